// Package assets holds the files bundled into the binary: the built-in policy
// profiles, fonts for PDF and the UI, and icons.
package assets

import "embed"

// Profiles holds profiles/*.toml, the built-in policy profiles.
//
//go:embed profiles/*.toml
var Profiles embed.FS
