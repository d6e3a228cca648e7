//go:build !windows

package cli

import "errors"

// runElevated: outside Windows there is no prompt to raise; the message
// tells IT to run the command with sudo (or to install the new package).
func runElevated(string, ...string) error {
	return errors.New("no elevation outside Windows")
}
