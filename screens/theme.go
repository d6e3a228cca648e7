package screens

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"bianmin/assets"
)

// UIFont is the embedded CJK + Latin font (WenQuanYi Micro Hei) as a Fyne resource.
var UIFont = fyne.NewStaticResource("wqy-microhei.ttf", assets.UIFont)

// AppIcon is the application icon.
var AppIcon = fyne.NewStaticResource("bianmin.png", assets.Icon)

// Theme is the look of every bianmin screen: the embedded Chinese font, large
// text and a light, high-contrast palette. Clerks are busy, many users are
// elderly and the hall screens are read from metres away, so the theme ignores
// the desktop's dark mode and keeps dark text on white.
type Theme struct{}

var _ fyne.Theme = Theme{}

// Palette.
var (
	colInk     = color.NRGBA{R: 0x11, G: 0x11, B: 0x11, A: 0xff}
	colPrimary = color.NRGBA{R: 0x0b, G: 0x4f, B: 0x9c, A: 0xff} // the icon's blue
	colError   = color.NRGBA{R: 0xb0, G: 0x00, B: 0x20, A: 0xff}
	colMuted   = color.NRGBA{R: 0x44, G: 0x44, B: 0x44, A: 0xff}
	colBorder  = color.NRGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}
	colPanel   = color.NRGBA{R: 0xf2, G: 0xf5, B: 0xf9, A: 0xff}
)

// Color returns the light variant of the default theme with darker ink, borders and accents.
func (Theme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNameForeground:
		return colInk
	case theme.ColorNamePrimary, theme.ColorNameHyperlink, theme.ColorNameFocus:
		return colPrimary
	case theme.ColorNameForegroundOnPrimary:
		return color.White
	case theme.ColorNameError:
		return colError
	case theme.ColorNamePlaceHolder, theme.ColorNameDisabled:
		return colMuted
	case theme.ColorNameInputBorder:
		return colBorder
	case theme.ColorNameBackground:
		return color.White
	case theme.ColorNameHeaderBackground:
		return colPanel
	}
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

// Font returns the embedded font for all text except monospace and symbols.
func (Theme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Monospace || s.Symbol {
		return theme.DefaultTheme().Font(s)
	}
	return UIFont
}

// Icon returns the default icons.
func (Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size makes text about a third larger than Fyne's default.
func (Theme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 18
	case theme.SizeNameCaptionText:
		return 15
	case theme.SizeNameHeadingText:
		return 28
	case theme.SizeNameSubHeadingText:
		return 22
	case theme.SizeNameInputBorder:
		return 2
	case theme.SizeNameInlineIcon:
		return 24
	}
	return theme.DefaultTheme().Size(n)
}
