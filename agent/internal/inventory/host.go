package inventory

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/mem"
)

// hostRefresh is how often the slow-changing host facts (OS version,
// memory and disk size, device ID) are read again; in between they come
// from memory, which keeps a cycle cheap.
const hostRefresh = time.Hour

// hostRetry is how soon host facts are read again after a part failed.
const hostRetry = time.Minute

// hostCache keeps the slow-changing part of Device.
type hostCache struct {
	at       time.Time
	dev      Device
	bootTime int64
	// incomplete is set when a part failed; it is read again after hostRetry.
	incomplete bool
}

// readHost fills the OS-level identity, uptime, boot time, memory and disk
// size from gopsutil. Each part is independent.
func (r *Reader) readHost(ctx context.Context, d *Device) {
	d.OS = runtime.GOOS
	d.Arch = runtime.GOARCH
	if h, err := os.Hostname(); err != nil {
		r.failed(ctx, "hostname", err)
	} else {
		d.Hostname = h
	}
	r.mu.Lock()
	c := r.host
	r.mu.Unlock()
	now := time.Now()
	refresh := hostRefresh
	if c != nil && c.incomplete {
		refresh = hostRetry
	}
	if c == nil || now.Sub(c.at) > refresh || now.Before(c.at) {
		c = r.refreshHost(ctx, c)
		c.at = now
		r.mu.Lock()
		r.host = c
		r.mu.Unlock()
	}
	d.ID, d.OSVersion, d.OSDescription = c.dev.ID, c.dev.OSVersion, c.dev.OSDescription
	d.MemoryBytes, d.DiskBytes, d.DiskMount = c.dev.MemoryBytes, c.dev.DiskBytes, c.dev.DiskMount
	if c.bootTime > 0 {
		d.BootTime = c.bootTime
		d.UptimeS = max(0, float64(now.Unix()-c.bootTime))
	}
}

// refreshHost reads the slow-changing facts. The boot time is read once per
// process: a reboot restarts the agent.
func (r *Reader) refreshHost(ctx context.Context, old *hostCache) *hostCache {
	c := &hostCache{}
	d := &c.dev
	if old != nil {
		c.bootTime = old.bootTime
	}
	if id, err := deviceID(ctx); err != nil || id == "" {
		c.incomplete = true
		r.failed(ctx, "host.id", fmt.Errorf("no device id: %w", err))
	} else {
		d.ID = id
	}
	if platform, _, version, err := host.PlatformInformationWithContext(ctx); err != nil {
		c.incomplete = true
		r.failed(ctx, "platform", err)
	} else {
		d.OSVersion = version
		d.OSDescription = osDescription(platform, version)
	}
	if c.bootTime == 0 {
		if bt, err := host.BootTimeWithContext(ctx); err != nil {
			c.incomplete = true
			r.failed(ctx, "boot_time", err)
		} else {
			c.bootTime = int64(bt)
		}
	}
	if vm, err := mem.VirtualMemoryWithContext(ctx); err != nil {
		c.incomplete = true
		r.failed(ctx, "memory", err)
	} else {
		d.MemoryBytes = vm.Total
	}
	mount := rootMount()
	if u, err := disk.UsageWithContext(ctx, mount); err != nil {
		c.incomplete = true
		r.failed(ctx, "disk", err)
	} else {
		d.DiskBytes = u.Total
		d.DiskMount = mount
	}
	return c
}

func osDescription(platform, version string) string {
	switch {
	case platform == "":
		return version
	case version == "":
		return platform
	default:
		return platform + " " + version
	}
}
