package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// ErrInterrupted is wrapped by Run's error when SIGINT or SIGTERM ended the
// run; a command maps it to exit status 130.
var ErrInterrupted = errors.New("interrupted")

// Run starts a container with Start, calls fn with it, and removes the
// container when fn returns (fn should return once its context is done), or
// as soon as the process receives SIGINT or SIGTERM, whichever comes first. On a signal, fn's
// context is cancelled with a cause wrapping ErrInterrupted and the
// container is removed at once, without waiting for fn; a second signal gets
// the default behaviour (the process dies, and the next Start removes what
// it left). The result is fn's error joined with any error from removal.
func Run(ctx context.Context, opts Options, fn func(ctx context.Context, t *Target) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigc)

	started := make(chan *Target, 1)
	watchDone := make(chan struct{})
	go func(in <-chan *Target) {
		defer close(watchDone)
		var t *Target
		for {
			select {
			case s := <-sigc:
				signal.Stop(sigc) // a second signal kills the process
				cancel(fmt.Errorf("%w by %v", ErrInterrupted, s))
				if t == nil {
					// Start was interrupted and cleans up after itself,
					// or has not handed over the target yet.
					if t = <-in; t == nil {
						return
					}
				}
				_ = t.Terminate(ctx)
				return
			case t = <-in:
				if t == nil {
					return
				}
				in = nil // handed over; keep waiting for a signal
			case <-ctx.Done():
				return
			}
		}
	}(started)

	t, err := Start(ctx, opts)
	started <- t // buffered: never blocks
	if err != nil {
		cancel(nil)
		<-watchDone
		return runErr(ctx, err)
	}
	ferr := fn(ctx, t)
	terr := t.Terminate(ctx)
	cancel(nil)
	<-watchDone
	return errors.Join(runErr(ctx, ferr), terr)
}

// runErr adds the interruption to err when a signal ended the run, so that
// errors.Is(err, ErrInterrupted) holds for the caller.
func runErr(ctx context.Context, err error) error {
	cause := context.Cause(ctx)
	if !errors.Is(cause, ErrInterrupted) {
		return err
	}
	if err == nil || errors.Is(err, ErrInterrupted) {
		return cause
	}
	return fmt.Errorf("%w: %w", cause, err)
}
