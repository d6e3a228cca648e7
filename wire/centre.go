// Package wire opens a centre and builds what runs on it: the database with
// the centre's rules (OpenService), a new centre (InitCentre), the demo
// centre (LoadDemo), the hub's LAN service (NewHub). It is the one package
// that knows storage, the rules files next to the database, the queue, the
// LAN and the relay together; the CLI commands, node.Station and the window
// call it rather than assembling the parts themselves.
package wire

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"bianmin/app"
	"bianmin/app/demo"
	"bianmin/storage"
	countysync "bianmin/sync"
)

// Files looked for next to the database file.
const (
	CountyProfileFile = "county-profile.toml" // a county's overrides of the centre's profile
	HolidaysFile      = "holidays.toml"       // working-day calendar corrections
)

// ErrNotInitialised means the database file is missing or holds no centre yet.
var ErrNotInitialised = errors.New("the database has no centre yet: run `bianmin init` first")

// ErrAlreadyInitialised means init was asked to set up a centre that exists.
var ErrAlreadyInitialised = errors.New("the database already has a centre: use --force to change it")

// DefaultDBPath is os.UserConfigDir()/bianmin/bianmin.db.
func DefaultDBPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no user config directory: %w", err)
	}
	return filepath.Join(dir, "bianmin", "bianmin.db"), nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// loadRules reads the profile and the calendar for a centre whose database is
// at dbPath: the built-in profile with the county override file, if any, and
// the holiday overrides, if any, both next to the database file.
func loadRules(dbPath, profile string) (*app.Profile, *app.Calendar, error) {
	dir := filepath.Dir(dbPath)
	override := filepath.Join(dir, CountyProfileFile)
	if !exists(override) {
		override = ""
	}
	p, err := app.LoadProfile(profile, override)
	if err != nil {
		return nil, nil, err
	}
	cal := app.NewCalendar()
	if h := filepath.Join(dir, HolidaysFile); exists(h) {
		if err := cal.LoadOverrides(h); err != nil {
			return nil, nil, err
		}
	}
	return p, cal, nil
}

// OpenService opens the centre's database read-write (migrating it), reads
// the centre's profile with the county and holiday overrides found next to the
// file, and wires an app.Service on the system clock. It never creates a
// database: a missing file or one without a centre gives ErrNotInitialised.
// The caller closes the DB.
func OpenService(ctx context.Context, dbPath string, log *slog.Logger) (*app.Service, *storage.DB, error) {
	return Open(ctx, dbPath, log, ModeWrite)
}

// Mode is how a command opens the database.
type Mode int

const (
	// ModeWrite: read-write (the program, init, serve, sync …).
	ModeWrite Mode = iota
	// ModeReport: read-write, so rating windows that have closed are recorded
	// as 未评 before counting (stats, report, ledger), the rows the running
	// program records anyway; a file that cannot be written (a backup on a
	// CD) is opened read-only instead.
	ModeReport
	// ModeRead: read-only (export, pc list): the file is not touched, except
	// that a database of an older bianmin is first upgraded.
	ModeRead
)

// Open is OpenService with a mode.
func Open(ctx context.Context, dbPath string, log *slog.Logger, mode Mode) (*app.Service, *storage.DB, error) {
	if log == nil {
		log = slog.Default()
	}
	if _, err := os.Stat(dbPath); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("%s: %w", dbPath, ErrNotInitialised)
	} else if err != nil {
		return nil, nil, err
	}
	var db *storage.DB
	var err error
	if mode == ModeRead {
		db, err = storage.OpenReadOnly(dbPath)
		if errors.Is(err, storage.ErrOlderSchema) {
			log.Info("database from an older bianmin: upgrading it before reading", "path", dbPath)
			if db, err = storage.OpenExisting(dbPath); err == nil {
				db.Close()
				db, err = storage.OpenReadOnly(dbPath)
			}
		}
	} else {
		db, err = storage.OpenExisting(dbPath)
	}
	if err != nil && mode == ModeReport && !errors.Is(err, storage.ErrNewerSchema) && !errors.Is(err, storage.ErrNotBianmin) {
		// An unwritable file or directory (a backup on a CD, a locked-down
		// share) can still be reported on: nothing is written.
		log.Warn("database cannot be opened read-write, trying read-only", "path", dbPath, "err", err)
		if rdb, rerr := storage.OpenReadOnly(dbPath); rerr == nil {
			db, err = rdb, nil
		} else {
			log.Warn("read-only open failed too", "err", rerr)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	db.LogRepairs(log)
	c, err := db.Centre(ctx)
	if errors.Is(err, app.ErrNotFound) {
		db.Close()
		return nil, nil, fmt.Errorf("%s: %w", dbPath, ErrNotInitialised)
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	p, cal, err := loadRules(dbPath, c.Profile)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	// The county's pushed holidays and tags (bianmin sync applies them).
	if err := countysync.LoadPushedRules(ctx, db, p, cal); err != nil {
		log.Warn("county configuration unreadable; local rules only", "err", err)
	}
	return app.NewService(db, app.SystemClock{}, p, cal, log), db, nil
}

// Manager is the first manager created by InitCentre; empty fields take the defaults.
type Manager struct {
	No, Name, PIN string
}

// Default first manager: change the PIN at the first login.
const (
	DefaultManagerNo   = "0001"
	DefaultManagerName = "中心负责人"
	DefaultManagerPIN  = "123456"
)

// InitCentre creates (or, with force, updates) the centre in the database at
// dbPath: it validates everything first, so bad input leaves the disk as it
// was, then creates and migrates the database, saves the centre and creates
// the first manager unless a staff member with that 工号 exists. It returns the
// manager. Used by `bianmin init` and by the desktop app's first start.
func InitCentre(ctx context.Context, dbPath, profile, name, area string, m Manager, force bool, log *slog.Logger) (app.Staff, error) {
	if log == nil {
		log = slog.Default()
	}
	name, area = strings.TrimSpace(name), strings.TrimSpace(area)
	if name == "" {
		return app.Staff{}, &app.UserError{Code: "bad_centre", Msg: "请填写便民服务中心名称（--centre）"}
	}
	if err := app.ValidateAreaCode(area); err != nil {
		return app.Staff{}, err
	}
	if m.No == "" {
		m.No = DefaultManagerNo
	}
	if m.Name == "" {
		m.Name = DefaultManagerName
	}
	if m.PIN == "" {
		m.PIN = DefaultManagerPIN
	}
	if err := app.ValidatePIN(m.PIN); err != nil {
		return app.Staff{}, err
	}
	p, cal, err := loadRules(dbPath, profile)
	if err != nil {
		return app.Staff{}, err
	}
	if dir := filepath.Dir(dbPath); !exists(dir) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return app.Staff{}, err
		}
	}
	db, err := storage.Open(dbPath)
	if err != nil {
		return app.Staff{}, err
	}
	defer db.Close()
	if old, err := db.Centre(ctx); err == nil {
		if !force {
			return app.Staff{}, fmt.Errorf("%s (%s): %w", old.Name, dbPath, ErrAlreadyInitialised)
		}
		log.Warn("re-initialising centre", "old_name", old.Name, "old_area", old.AreaCode, "old_profile", old.Profile)
	} else if !errors.Is(err, app.ErrNotFound) {
		return app.Staff{}, err
	}
	if err := db.SaveCentre(ctx, app.Centre{Name: name, AreaCode: area, Profile: p.Name}); err != nil {
		return app.Staff{}, err
	}
	svc := app.NewService(db, app.SystemClock{}, p, cal, log)
	if st, err := db.StaffByNo(ctx, m.No); err == nil {
		log.Info("manager exists, kept", "no", st.No)
		return st, nil
	} else if !errors.Is(err, app.ErrNotFound) {
		return app.Staff{}, err
	}
	st, err := svc.BootstrapManager(ctx, app.Staff{No: m.No, Name: m.Name}, m.PIN)
	if err != nil {
		return app.Staff{}, err
	}
	log.Info("centre initialised", "path", dbPath, "centre", name, "area", area, "profile", p.Name, "manager", st.No)
	return st, nil
}

// LoadDemo fills the database at dbPath with a demo centre: days of history
// ending now, generated deterministically from seed. A new database gets a
// demo centre under the national profile; an initialised one without windows
// keeps its centre and profile. A centre already set up is refused.
func LoadDemo(ctx context.Context, dbPath string, days int, seed int64) error {
	return LoadDemoProgress(ctx, dbPath, days, seed, nil)
}

// LoadDemoProgress is LoadDemo telling progress (0–1) as it goes, for the
// first-start screen's progress bar.
func LoadDemoProgress(ctx context.Context, dbPath string, days int, seed int64, progress func(float64)) error {
	_, err := loadDemoWith(ctx, dbPath, "", days, seed, time.Time{}, nil, progress)
	return err
}

// LoadDemoAt fills dbPath with days of history ending at end (zero: now),
// under profile ("" national), and tells what it generated.
func LoadDemoAt(ctx context.Context, dbPath, profile string, days int, seed int64, end time.Time, log *slog.Logger) (*demo.Result, error) {
	return loadDemoWith(ctx, dbPath, profile, days, seed, end, log, nil)
}

func loadDemoWith(ctx context.Context, dbPath, profile string, days int, seed int64, end time.Time, log *slog.Logger,
	progress func(float64)) (*demo.Result, error) {
	if end.IsZero() {
		end = time.Now().In(app.ChinaTime)
	}
	if log == nil {
		log = slog.Default()
	}
	if days <= 0 || days > 3660 {
		return nil, &app.UserError{Code: "bad_days", Msg: "天数应在1至3660之间"}
	}
	if profile == "" {
		profile = "national"
	}
	if _, _, err := loadRules(dbPath, profile); err != nil { // fail before creating anything
		return nil, err
	}
	if !exists(dbPath) {
		if _, err := InitCentre(ctx, dbPath, profile, "示范镇便民服务中心", "370911105000", Manager{}, false, log); err != nil {
			return nil, err
		}
	}
	svc, db, err := OpenService(ctx, dbPath, log)
	if errors.Is(err, ErrNotInitialised) {
		if _, err := InitCentre(ctx, dbPath, profile, "示范镇便民服务中心", "370911105000", Manager{}, false, log); err != nil {
			return nil, err
		}
		svc, db, err = OpenService(ctx, dbPath, log)
	}
	if err != nil {
		return nil, err
	}
	defer db.Close()
	c, err := db.Centre(ctx)
	if err != nil {
		return nil, err
	}
	if c.Profile != profile {
		log.Warn("centre already has a profile; the demo follows it", "centre_profile", c.Profile, "asked", profile)
	}
	res, err := demo.Generate(ctx, db, svc.Profile, svc.Cal, demo.Options{Days: days, Seed: seed,
		End: end, Log: log, Progress: progress, Area: c.AreaCode, Centre: c.Name, Profile: c.Profile})
	if err != nil {
		return res, err
	}
	return res, nil
}
