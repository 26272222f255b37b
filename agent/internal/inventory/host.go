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

// readHost fills the OS-level identity, uptime, boot time, memory and disk
// size from gopsutil. Each part is independent.
func (r *Reader) readHost(ctx context.Context, d *Device) {
	d.OS = runtime.GOOS
	d.Arch = runtime.GOARCH
	if id, err := deviceID(ctx); err != nil || id == "" {
		r.failed(ctx, "host.id", fmt.Errorf("no device id: %w", err))
	} else {
		d.ID = id
	}
	if h, err := os.Hostname(); err != nil {
		r.failed(ctx, "hostname", err)
	} else {
		d.Hostname = h
	}
	if platform, _, version, err := host.PlatformInformationWithContext(ctx); err != nil {
		r.failed(ctx, "platform", err)
	} else {
		d.OSVersion = version
		d.OSDescription = osDescription(platform, version)
	}
	if bt, err := host.BootTimeWithContext(ctx); err != nil {
		r.failed(ctx, "boot_time", err)
	} else {
		d.BootTime = int64(bt)
		d.UptimeS = float64(time.Now().Unix() - int64(bt))
		if d.UptimeS < 0 {
			d.UptimeS = 0
		}
	}
	if vm, err := mem.VirtualMemoryWithContext(ctx); err != nil {
		r.failed(ctx, "memory", err)
	} else {
		d.MemoryBytes = vm.Total
	}
	mount := rootMount()
	if u, err := disk.UsageWithContext(ctx, mount); err != nil {
		r.failed(ctx, "disk", err)
	} else {
		d.DiskBytes = u.Total
		d.DiskMount = mount
	}
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

// rootMount is the file system holding the OS.
func rootMount() string {
	if runtime.GOOS == "windows" {
		if d := os.Getenv("SystemDrive"); d != "" {
			return d + `\`
		}
		return `C:\`
	}
	return "/"
}
