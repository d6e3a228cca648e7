package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Roles of a PC in the centre (ARCHITECTURE.md "One binary, several roles").
const (
	roleStandalone = "standalone" // 单机: hub and counter in one process (the default)
	roleCounter    = "counter"    // 窗口: the clerk's PC, talking to the hub
	roleKiosk      = "kiosk"      // 取号机
	roleDisplay    = "display"    // 大厅屏
)

// node is this PC's role and how it reaches the hub, kept in node.json next
// to the database so an IT person sets it once (by flags) and the clerk just
// starts the program. Flags given on a later start change it.
type node struct {
	Role   string `json:"role"`
	Hub    string `json:"hub,omitempty"`    // the hub's address, http://192.168.1.10:8787
	Key    string `json:"key,omitempty"`    // the centre key
	Window int    `json:"window,omitempty"` // this PC's window number (counter; standalone default)
	Listen string `json:"listen,omitempty"` // standalone: also serve the LAN API here (hub with a window)
	// Tablet turns the customer-facing rating window (窗口双屏) on; the
	// keypad is then not asked, so one visit is never offered twice.
	Tablet bool `json:"tablet,omitempty"`
	// Display remembers the hall display's full-screen state.
	FullScreen bool `json:"fullscreen,omitempty"`
}

func nodePath(dbPath string) string { return filepath.Join(filepath.Dir(dbPath), "node.json") }

// loadNode reads node.json; a missing file is a standalone PC.
func loadNode(path string) (node, error) {
	n := node{Role: roleStandalone}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return n, nil
	}
	if err != nil {
		return n, err
	}
	if err := json.Unmarshal(b, &n); err != nil {
		return n, fmt.Errorf("%s: %w", path, err)
	}
	if n.Role == "" {
		n.Role = roleStandalone
	}
	return n, nil
}

// saveNode writes node.json atomically (it holds the centre key: owner only).
func saveNode(path string, n node) error {
	b, err := json.MarshalIndent(n, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// check says in Chinese what is missing for the role.
func (n node) check() error {
	switch n.Role {
	case roleStandalone:
		return nil
	case roleCounter, roleKiosk, roleDisplay:
		if n.Hub == "" || n.Key == "" {
			return fmt.Errorf("%s需要中心主机地址和中心密钥：请用 --hub http://中心主机:8787 --key 中心密钥 启动一次（会保存）", roleName(n.Role))
		}
		if !strings.HasPrefix(n.Hub, "http://") && !strings.HasPrefix(n.Hub, "https://") {
			return fmt.Errorf("中心主机地址应以 http:// 开头，例如 http://192.168.1.10:8787（现为 %q）", n.Hub)
		}
		if n.Role == roleCounter && n.Window <= 0 {
			return fmt.Errorf("窗口电脑需要窗口号：请用 --window 3 启动一次（会保存）")
		}
		return nil
	}
	return fmt.Errorf("未知的角色 %q：可用 standalone（单机）、counter（窗口）、kiosk（取号机）、display（大厅屏）", n.Role)
}

func roleName(r string) string {
	switch r {
	case roleCounter:
		return "窗口电脑"
	case roleKiosk:
		return "取号机"
	case roleDisplay:
		return "大厅屏"
	}
	return "单机"
}
