//go:build windows

package inventory

import (
	"context"
	"fmt"

	"github.com/yusufpapurcu/wmi"
)

// comWMI queries WMI through COM (github.com/yusufpapurcu/wmi).
//
// A COM call cannot be cancelled, so the query runs in the caller's
// goroutine rather than in one abandoned when ctx ends: the Reader calls
// the WMI readers through source, which stops waiting at the deadline and
// starts no second read while one is stuck, so a hung WMI holds one
// goroutine at most and the next cycle reports without it.
type comWMI struct{}

// wmiClient returns NULL properties as nil pointers (Win32_Battery leaves
// DesignCapacity and others NULL on many machines) and tolerates a
// property an older Windows lacks.
var wmiClient = &wmi.Client{PtrNil: true, AllowMissingFields: true}

func (comWMI) Query(ctx context.Context, namespace, query string, dst any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("wmi %s: %w", namespace, err)
	}
	if err := wmiClient.Query(query, dst, nil, namespace); err != nil {
		return fmt.Errorf("wmi %s: %w", namespace, err)
	}
	return nil
}
