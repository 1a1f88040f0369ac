package harness

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/ipcbench/ipcbench/results"
	"golang.org/x/sys/unix"
)

// CollectHost describes this machine for the results file.
func CollectHost() results.Host {
	h := results.Host{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), Version: "devel", Commit: "unknown"}
	h.Hostname, _ = os.Hostname()
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		h.Kernel = unix.ByteSliceToString(u.Sysname[:]) + " " + unix.ByteSliceToString(u.Release[:]) + " " + unix.ByteSliceToString(u.Machine[:])
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			h.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				h.Commit = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					h.Commit += "+dirty"
				}
			}
		}
	}
	h.CPUModel, h.Virtualization = cpuInfo()
	if b, err := os.ReadFile("/sys/devices/system/clocksource/clocksource0/current_clocksource"); err == nil {
		h.ClockSource = strings.TrimSpace(string(b))
	}
	return h
}

// cpuInfo reads the CPU model and a virtualization hint: the hypervisor CPU
// flag, named by the DMI vendor where readable.
func cpuInfo() (model, virt string) {
	virt = "none detected"
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown", "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	hyper := false
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case k == "model name" && model == "":
			model = v
		case k == "flags" && strings.Contains(" "+v+" ", " hypervisor "):
			hyper = true
		}
	}
	if hyper {
		virt = "virtual machine (cpu flag hypervisor)"
		for _, p := range []string{"/sys/class/dmi/id/sys_vendor", "/sys/class/dmi/id/product_name"} {
			if b, err := os.ReadFile(p); err == nil && strings.TrimSpace(string(b)) != "" {
				virt += ", " + strings.TrimSpace(string(b))
			}
		}
	}
	if model == "" {
		model = "unknown"
	}
	return model, virt
}
