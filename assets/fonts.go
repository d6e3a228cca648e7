package assets

import _ "embed"

// UIFont is WenQuanYi Micro Hei (文泉驿微米黑), one TrueType font with CJK and
// Latin glyphs, so every machine draws the screens the same way and needs no
// system CJK font. Fyne's loader refuses .ttc collections, so the font was
// copied out of Debian's wqy-microhei.ttc with fonts/ttc2ttf.go.
// Licence: Apache-2.0 (or GPL-3+ with font exception), see fonts/LICENSE-wqy-microhei.txt.
//
//go:embed fonts/wqy-microhei.ttf
var UIFont []byte

// Icon is the application icon (512×512 PNG), also named in FyneApp.toml.
//
//go:embed icon.png
var Icon []byte
