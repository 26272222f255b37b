// Package agentservice runs the agent as a system service through
// github.com/kardianos/service: the Windows service control manager (with
// the event log), launchd on macOS and systemd on Linux.
package agentservice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/kardianos/service"
)

// Name is the service name on every OS.
const Name = "kretslopp-agent"

// RunFunc is the agent's main loop; it returns when ctx is cancelled. If it
// returns before that, with or without an error, the agent has stopped
// working and the process must end (see Service.Run).
type RunFunc func(ctx context.Context, log *slog.Logger) error

type program struct {
	run    RunFunc
	log    func() *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	// failed receives why the run loop ended while nobody asked it to.
	failed chan error
}

func (p *program) Start(service.Service) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.mu.Lock()
	p.cancel, p.done = cancel, make(chan struct{})
	done := p.done
	p.mu.Unlock()
	go func() {
		defer close(done)
		log := p.log()
		err := p.run(ctx, log)
		if ctx.Err() != nil {
			return // stopped by the service manager or a signal
		}
		if err == nil {
			err = errors.New("run loop ended without a stop request")
		}
		log.Error("agent stopped; exiting so that the service manager restarts it", "err", err)
		select {
		case p.failed <- err:
		default:
		}
	}()
	return nil
}

func (p *program) Stop(service.Service) error {
	p.mu.Lock()
	cancel, done := p.cancel, p.done
	p.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	return nil
}

// Service wraps the system service.
type Service struct {
	svc  service.Service
	prog *program
}

// New describes the service. args are the arguments the service manager
// passes to the binary ("run", "--config", path).
func New(run RunFunc, args []string, baseHandler slog.Handler, level slog.Leveler) (*Service, error) {
	prog := &program{run: run, failed: make(chan error, 1)}
	cfg := &service.Config{
		Name:        Name,
		DisplayName: "Kretslopp agent",
		Description: "Reports device identity, uptime and battery wear to the Kretslopp collector.",
		Arguments:   args,
		Option: service.KeyValue{
			"Restart":          "always", // systemd
			"RestartSec":       "30",
			"KeepAlive":        true, // launchd
			"RunAtLoad":        true,
			"OnFailure":        "restart", // Windows
			"DelayedAutoStart": true,
		},
	}
	svc, err := service.New(prog, cfg)
	if err != nil {
		return nil, fmt.Errorf("service: %w", err)
	}
	prog.log = func() *slog.Logger {
		// Under the Windows service manager stderr goes nowhere: log to
		// the event log. systemd and launchd keep stderr.
		if service.Platform() == "windows-service" && !service.Interactive() {
			if el, err := svc.Logger(nil); err == nil {
				return slog.New(&eventHandler{l: el, level: level})
			}
		}
		return slog.New(baseHandler)
	}
	return &Service{svc: svc, prog: prog}, nil
}

// Run runs under the service manager, or in the foreground when started
// from a terminal, until the service is stopped (nil) or the run loop
// fails (its error). On failure main ends the process with a non-zero
// status and the service manager restarts it: systemd (Restart=always),
// launchd (KeepAlive) and the Windows SCM (restart on failure; a service
// process that ends without reporting "stopped" is a failure to it). A
// process that kept waiting for a stop instead would look healthy to all
// three while reporting nothing.
func (s *Service) Run() error {
	ran := make(chan error, 1)
	go func() { ran <- s.svc.Run() }()
	select {
	case err := <-ran:
		if err != nil {
			return fmt.Errorf("service run: %w", err)
		}
		return nil
	case err := <-s.prog.failed:
		return fmt.Errorf("agent stopped: %w", err)
	}
}

// Control performs install, uninstall, start, stop or restart.
func (s *Service) Control(action string) error {
	if err := service.Control(s.svc, action); err != nil {
		return fmt.Errorf("service %s: %w", action, err)
	}
	return nil
}

// Status describes the installed service.
func (s *Service) Status() (string, error) {
	st, err := s.svc.Status()
	if err != nil {
		if err == service.ErrNotInstalled {
			return "not installed", nil
		}
		return "", fmt.Errorf("service status: %w", err)
	}
	switch st {
	case service.StatusRunning:
		return "running", nil
	case service.StatusStopped:
		return "stopped", nil
	default:
		return "unknown", nil
	}
}

// Platform names the service system ("linux-systemd", "darwin-launchd",
// "windows-service").
func Platform() string { return service.Platform() }

// eventHandler sends slog records to the Windows event log.
type eventHandler struct {
	l     service.Logger
	level slog.Leveler
	attrs []slog.Attr
}

func (h *eventHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

func (h *eventHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	add := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	switch {
	case r.Level >= slog.LevelError:
		return h.l.Error(b.String())
	case r.Level >= slog.LevelWarn:
		return h.l.Warning(b.String())
	default:
		return h.l.Info(b.String())
	}
}

func (h *eventHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &eventHandler{l: h.l, level: h.level, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

func (h *eventHandler) WithGroup(string) slog.Handler { return h }
