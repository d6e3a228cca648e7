//go:build !windows

package sysprint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// lpPath and lpstatPath are the CUPS client programs; tests may point them
// elsewhere (a private cupsd's clients take CUPS_SERVER from the environment).
var lpPath, lpstatPath = "lp", "lpstat"

func run(ctx context.Context, stdin []byte, name string, args ...string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%w: %s not found (install cups-client)", ErrNoSpooler, name)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(cmd.Environ(), "LANG=C", "LC_ALL=C") // English messages, parsed below
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

func printers(ctx context.Context) ([]string, error) {
	out, err := run(ctx, nil, lpstatPath, "-e")
	if err != nil {
		if strings.Contains(err.Error(), "No destinations") {
			return nil, nil
		}
		return nil, err
	}
	var names []string
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			names = append(names, l)
		}
	}
	return names, nil
}

func defaultPrinter(ctx context.Context) (string, error) {
	out, err := run(ctx, nil, lpstatPath, "-d")
	if err != nil {
		if strings.Contains(err.Error(), "no system default") {
			return "", nil
		}
		return "", err
	}
	// "system default destination: NAME" or "no system default destination"
	if _, name, ok := strings.Cut(strings.TrimSpace(out), ": "); ok {
		return strings.TrimSpace(name), nil
	}
	return "", nil
}

func printRaw(ctx context.Context, name, title string, data []byte) error {
	_, err := run(ctx, data, lpPath, "-d", name, "-t", title, "-o", "raw") // the job on stdin
	return explain(err, name)
}

func printPDF(ctx context.Context, name, path string) error {
	args := []string{"-t", "bianmin"}
	if name != "" {
		args = append(args, "-d", name)
	}
	_, err := run(ctx, nil, lpPath, append(args, "--", path)...)
	return explain(err, name)
}

// explain turns lp's refusal into Chinese for the user; the detail stays in err.
func explain(err error, name string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNoSpooler):
		return userError("no_spooler", "本机没有安装打印服务（CUPS），无法使用系统打印机；请安装 cups 或改用串口、网络打印机", err)
	case strings.Contains(err.Error(), "does not exist") || strings.Contains(err.Error(), "not exist"):
		return userError("printer_not_found", fmt.Sprintf("找不到系统打印机“%s”，请在设备设置里重新选择", name), err)
	case strings.Contains(err.Error(), "No default destination"):
		return userError("no_default_printer", "本机没有默认打印机，请在系统里设置默认打印机或在设备设置里选择A4打印机", err)
	case strings.Contains(err.Error(), "not accepting"):
		return userError("printer_paused", fmt.Sprintf("打印机“%s”暂停接收任务，请在系统的打印机设置里恢复", name), err)
	}
	return userError("print_failed", "系统打印未成功，请检查打印机是否开机、连线是否正常", err)
}

func available() bool {
	_, err := exec.LookPath(lpPath)
	return err == nil
}
