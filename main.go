// Command bianmin is the township service centre application: with no
// sub-command it opens the desktop window; with one it runs the CLI
// (init, demo, stats, export, backup, check, …) without any window.
package main

import (
	"context"
	"os"
	"strings"

	_ "bianmin/app/locale" // before Fyne reads the locale
	"bianmin/cli"
	"bianmin/internal/console"
	"bianmin/internal/gui"
	"bianmin/node"
)

func main() {
	cmd := len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-")
	switch {
	case cmd && os.Args[1] == "join":
		console.Attach()
		os.Exit(node.RunJoin(os.Args[2:])) // writes node.json
	case cmd:
		console.Attach()
		os.Exit(cli.Run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(gui.Run(os.Args[1:]))
}
