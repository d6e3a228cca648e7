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
)

func main() {
	if len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-") {
		attachConsole()
	}
	if len(os.Args) > 1 && os.Args[1] == "join" {
		os.Exit(runJoin(os.Args[2:])) // writes node.json, which belongs to this package
	}
	if len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-") {
		os.Exit(cli.Run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(runGUI(os.Args[1:]))
}
