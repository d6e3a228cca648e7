//go:build linux

// Package cupstest runs a private CUPS scheduler for tests of system printing.
package cupstest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"bianmin/internal/eventually"
)

// Start starts a private CUPS scheduler (cupsd -f on a socket in a temp
// dir, as the system's CUPS would run, with its own spool) with two queues,
// "receipt" and "office" (the default), whose backend copies each job to a
// file. It returns those files. The clients find it through CUPS_SERVER.
func Start(t testing.TB) (receipt, office string) {
	t.Helper()
	for _, p := range []string{"/usr/sbin/cupsd", "/usr/sbin/lpadmin"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("%s is not installed (Debian packages cups-daemon, cups-client): %v", p, err)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("a private cupsd runs its test backend as root only when started by root")
	}
	dir, err := os.MkdirTemp("", "cups")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, d := range []string{"spool", "tmp", "state", "cache", "bin/backend"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(dir, 0o777) // the scheduler's helpers run as lp
	entries, _ := os.ReadDir("/usr/lib/cups")
	for _, e := range entries {
		if e.Name() != "backend" {
			os.Symlink(filepath.Join("/usr/lib/cups", e.Name()), filepath.Join(dir, "bin", e.Name()))
		}
	}
	// A backend is a program CUPS runs per job; mode 0700 runs it as root.
	backend := "#!/bin/sh\nset -e\nif [ $# -eq 0 ]; then echo 'direct capture \"Unknown\" \"Test capture\"'; exit 0; fi\n" +
		"out=\"${DEVICE_URI#capture:}\"\nif [ $# -ge 6 ]; then cat \"$6\" >> \"$out\"; else cat >> \"$out\"; fi\n"
	write := func(name, text string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("bin/backend/capture", backend, 0o700)
	sock := filepath.Join(dir, "cups.sock")
	write("cupsd.conf", "Listen "+sock+"\nLogLevel warn\nWebInterface No\nDefaultAuthType None\n"+
		"<Location />\n Order allow,deny\n Allow all\n</Location>\n<Location /admin>\n Order allow,deny\n Allow all\n</Location>\n"+
		"<Policy default>\n <Limit All>\n  Order allow,deny\n  Allow all\n </Limit>\n</Policy>\n", 0o644)
	files := "ServerRoot " + dir + "\nServerBin " + filepath.Join(dir, "bin") + "\n"
	for k, v := range map[string]string{"RequestRoot": "spool", "TempDir": "tmp", "StateDir": "state", "CacheDir": "cache",
		"ErrorLog": "error_log", "AccessLog": "access_log", "PageLog": "page_log"} {
		files += k + " " + filepath.Join(dir, v) + "\n"
	}
	write("cups-files.conf", files, 0o644)
	cmd := exec.Command("/usr/sbin/cupsd", "-f", "-c", filepath.Join(dir, "cupsd.conf"), "-s", filepath.Join(dir, "cups-files.conf"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	t.Setenv("CUPS_SERVER", sock)
	var last string
	deadline := time.Now().Add(15 * time.Second)
	for {
		cmd := exec.Command("lpstat", "-r")
		cmd.Env = append(os.Environ(), "LANG=C", "LC_ALL=C") // the answer is parsed
		out, err := cmd.CombinedOutput()
		if err == nil && bytes.Contains(out, []byte("is running")) {
			break
		}
		last = fmt.Sprintf("%v: %s", err, out)
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error_log"))
			t.Fatalf("the private cupsd did not start: lpstat -r: %s\nerror_log:\n%s", last, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	receipt, office = filepath.Join(dir, "receipt.out"), filepath.Join(dir, "office.out")
	for _, q := range [][2]string{{"receipt", receipt}, {"office", office}} {
		if out, err := exec.Command("lpadmin", "-p", q[0], "-E", "-v", "capture:"+q[1], "-m", "raw").CombinedOutput(); err != nil {
			t.Fatalf("lpadmin %s: %v %s", q[0], err, out)
		}
	}
	if out, err := exec.Command("lpadmin", "-d", "office").CombinedOutput(); err != nil {
		t.Fatalf("lpadmin -d: %v %s", err, out)
	}
	return receipt, office
}

// Eventually waits for cond, which the scheduler makes true.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	eventually.True(t, what, cond)
}

// FileIs reports whether path holds want.
func FileIs(path string, want []byte) func() bool {
	return func() bool {
		b, err := os.ReadFile(path)
		return err == nil && bytes.Equal(b, want)
	}
}
