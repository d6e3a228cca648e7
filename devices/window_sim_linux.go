package devices

import (
	"context"
	"fmt"
	"image/png"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"bianmin/devices/escpos"
	"bianmin/devices/idcard"
	"bianmin/devices/keypad"
	"bianmin/devices/serialport"
	"bianmin/printing"
)

// simPort is a pseudo-terminal pair with a stable link to its slave, as
// udev's by-id link points at a USB-serial adapter: the runner opens the
// link through tarm/serial like a real port, and unplug/replug swap the
// pair behind it.
type simPort struct {
	dir  string
	link string

	mu  sync.Mutex
	pty *serialport.PTY
}

func newSimPort(name string) (*simPort, error) {
	dir, err := os.MkdirTemp("", "bianmin-sim-")
	if err != nil {
		return nil, err
	}
	s := &simPort{dir: dir, link: filepath.Join(dir, name)}
	if _, err := s.plug(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// plug makes a new pair and points the link at it.
func (s *simPort) plug() (*serialport.PTY, error) {
	pty, err := serialport.OpenPTY()
	if err != nil {
		return nil, err
	}
	tmp := s.link + ".new"
	os.Remove(tmp)
	if err := os.Symlink(pty.SlaveName, tmp); err != nil {
		pty.Close()
		return nil, err
	}
	if err := os.Rename(tmp, s.link); err != nil {
		pty.Close()
		return nil, err
	}
	s.mu.Lock()
	s.pty = pty
	s.mu.Unlock()
	return pty, nil
}

// unplug closes the pair: to the runner, a pulled cable.
func (s *simPort) unplug() {
	s.mu.Lock()
	pty := s.pty
	s.pty = nil
	s.mu.Unlock()
	if pty != nil {
		pty.Close()
	}
}

func (s *simPort) close() {
	s.unplug()
	os.RemoveAll(s.dir)
}

// simKeypad is a BMK/1 keypad simulator on a simPort whose person presses a
// mostly-good random level (or a fixed one) a short while after START_RATING.
type simKeypad struct {
	port *simPort
	ctx  context.Context
	log  *slog.Logger
	rate func(keypad.StartRating) (*keypad.Result, time.Duration)

	mu  sync.Mutex
	sim *keypad.Sim
}

func newSimKeypad(ctx context.Context, log *slog.Logger, stars int, delay time.Duration) (*simKeypad, error) {
	port, err := newSimPort("keypad")
	if err != nil {
		return nil, err
	}
	var rmu sync.Mutex
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	k := &simKeypad{port: port, ctx: ctx, log: log}
	k.rate = func(st keypad.StartRating) (*keypad.Result, time.Duration) {
		rmu.Lock()
		defer rmu.Unlock()
		s := byte(stars)
		if s < 1 || s > 5 {
			s = []byte{5, 5, 5, 5, 5, 4, 4, 3, 2, 1}[rnd.IntN(10)]
		}
		res := &keypad.Result{Txn: st.Txn, Stars: s}
		if s <= 2 && st.AskReasons {
			res.Reasons = []byte{byte(1 + rnd.IntN(4))}
		}
		log.Info("simulated keypad rates", "serial", st.Txn, "clerk", st.ClerkNo, "stars", s)
		return res, delay
	}
	k.serve()
	return k, nil
}

// serve runs a simulator on the current pair until it is unplugged.
func (k *simKeypad) serve() {
	k.port.mu.Lock()
	pty := k.port.pty
	k.port.mu.Unlock()
	sim := &keypad.Sim{RW: pty.Master, Addr: 1, Model: "BMK-SIM", Firmware: "1.0", Rate: k.rate}
	k.mu.Lock()
	k.sim = sim
	k.mu.Unlock()
	go func() { _ = sim.Run(k.ctx) }()
}

// unplug and replug are the tests' (and a curious trainer's) cable.
func (k *simKeypad) unplug() { k.port.unplug() }

func (k *simKeypad) replug() error {
	if _, err := k.port.plug(); err != nil {
		return err
	}
	k.serve()
	return nil
}

func (k *simKeypad) close() { k.port.close() }

// simPrinter is a PrinterSim on a simPort that keeps each job and its
// preview PNG in a folder.
type simPrinter struct {
	port *simPort
	dir  string
	sim  *PrinterSim

	mu    sync.Mutex
	seq   int // jobs begun
	last  string
	count int // jobs saved
}

func newSimPrinter(ctx context.Context, log *slog.Logger, dir string, prof escpos.Profile, onJob func(string)) (*simPrinter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("printer simulator folder: %w", err)
	}
	port, err := newSimPort("printer")
	if err != nil {
		return nil, err
	}
	p := &simPrinter{port: port, dir: dir, sim: &PrinterSim{}}
	stamp := time.Now().Format("20060102-150405")
	p.sim.OnJob = func(job []byte) {
		p.mu.Lock()
		p.seq++
		base := filepath.Join(dir, fmt.Sprintf("job-%s-%03d", stamp, p.seq))
		p.mu.Unlock()
		path := base + ".png"
		if img, err := printing.Preview(job, prof); err != nil {
			log.Warn("simulated printer: no preview", "err", err)
			path = ""
		} else if f, err := os.Create(base + ".png"); err != nil {
			log.Warn("simulated printer: no preview", "err", err)
			path = ""
		} else {
			err = png.Encode(f, img)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				log.Warn("simulated printer: no preview", "err", err)
				path = ""
			}
		}
		if err := os.WriteFile(base+".bin", job, 0o644); err != nil {
			log.Warn("simulated printer: job not saved", "err", err)
		}
		log.Info("simulated printer printed", "bytes", len(job), "preview", path)
		p.mu.Lock()
		if path != "" {
			p.last = path
		}
		p.count++
		p.mu.Unlock()
		if onJob != nil {
			onJob(path)
		}
	}
	port.mu.Lock()
	master := port.pty.Master
	port.mu.Unlock()
	go p.sim.Serve(master)
	return p, nil
}

// Last is the preview PNG of the last job; Count the jobs so far.
func (p *simPrinter) Last() string { p.mu.Lock(); defer p.mu.Unlock(); return p.last }

// Count is the number of jobs received.
func (p *simPrinter) Count() int { p.mu.Lock(); defer p.mu.Unlock(); return p.count }

func (p *simPrinter) close() { p.port.close() }

// simIDReader is an idcard.Sim on a simPort; the simulated applicant's card
// can be placed from the settings screen (测试读卡器) or by tests.
type simIDReader struct {
	port *simPort
	ctx  context.Context

	mu  sync.Mutex
	sim *idcard.Sim
}

func newSimIDReader(ctx context.Context) (*simIDReader, error) {
	port, err := newSimPort("idcard")
	if err != nil {
		return nil, err
	}
	r := &simIDReader{port: port, ctx: ctx}
	r.serve()
	return r, nil
}

// serve runs a simulator on the current pair.
func (r *simIDReader) serve() {
	r.port.mu.Lock()
	pty := r.port.pty
	r.port.mu.Unlock()
	sim := &idcard.Sim{RW: pty.Master}
	r.mu.Lock()
	r.sim = sim
	r.mu.Unlock()
	go func() { _ = sim.Run(r.ctx) }()
}

// Sim is the simulator on the current pair.
func (r *simIDReader) Sim() *idcard.Sim { r.mu.Lock(); defer r.mu.Unlock(); return r.sim }

// Unplug pulls the simulated reader's cable; Replug puts it back.
func (r *simIDReader) Unplug() { r.port.unplug() }

// Replug plugs the reader back in (an empty one: no card).
func (r *simIDReader) Replug() error {
	if _, err := r.port.plug(); err != nil {
		return err
	}
	r.serve()
	return nil
}

func (r *simIDReader) close() { r.port.close() }
