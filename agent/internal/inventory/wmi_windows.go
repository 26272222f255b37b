//go:build windows

package inventory

import (
	"context"
	"fmt"

	"github.com/yusufpapurcu/wmi"
)

// comWMI queries WMI through COM (github.com/yusufpapurcu/wmi).
type comWMI struct{}

func (comWMI) Query(ctx context.Context, namespace, query string, dst any) error {
	done := make(chan error, 1)
	go func() { done <- wmi.QueryNamespace(query, dst, namespace) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("wmi %s: %w", namespace, err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
