package screens

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"bianmin/app"
)

// DocDialog is the last "document ready" dialog (for tests): its buttons and
// the line that says what printing did.
var DocDialog struct {
	Path                    string
	Print, Open, Folder, OK *hkButton
	Status                  *widget.Label
}

// docReady hands a finished A4 document to the user. Where the PC can print
// (Env.PrintPDF) it says where the file is and offers 打印 (the default,
// Enter) next to 打开 and 打开文件夹; where it cannot, the file opens in the
// system's viewer as before (or, with none, its folder is shown).
func docReady(env *Env, what, path string) {
	if env.PrintPDF == nil || !strings.EqualFold(filepath.Ext(path), ".pdf") {
		openFile(env, path)
		return
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	msg := widget.NewLabel(what + "已生成：\n" + abs)
	msg.Wrapping = fyne.TextWrapWord
	status := widget.NewLabel("")
	status.Wrapping = fyne.TextWrapWord
	keys := hotkeys{}
	printB := newHKButton(keys, "打印 (Enter)", nil)
	printB.Importance = widget.HighImportance
	openB := newHKButton(keys, "打开", nil)
	folderB := newHKButton(keys, "打开文件夹", nil)
	ok := newHKButton(keys, "关闭 (Esc)", nil)
	d := dialog.NewCustomWithoutButtons(what, container.NewVBox(msg,
		container.NewCenter(container.NewHBox(printB, openB, folderB, ok)), status), env.Win)
	DocDialog.Path, DocDialog.Print, DocDialog.Open, DocDialog.Folder, DocDialog.OK, DocDialog.Status =
		abs, printB, openB, folderB, ok, status
	printB.OnTapped = func() {
		printB.Disable()
		status.SetText("正在送往打印机…")
		Run(env, func(ctx context.Context) (string, error) { return env.PrintPDF(ctx, abs) }, func(printer string, err error) {
			printB.Enable()
			if err != nil {
				env.log().Warn("A4 print failed", "path", abs, "err", err)
				status.Importance = widget.DangerImportance
				status.SetText("打印未成功：" + app.UserMessage(err))
				return
			}
			env.log().Info("A4 document printed", "path", abs, "printer", printer)
			status.Importance = widget.SuccessImportance
			status.SetText("已送往打印机“" + printer + "”。")
		})
	}
	openB.OnTapped = func() { openFile(env, abs) }
	folderB.OnTapped = func() {
		if err := fyne.CurrentApp().OpenURL(&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Dir(abs))}); err != nil {
			status.SetText("无法打开文件夹，请在文件管理器中找到：" + filepath.Dir(abs))
		}
	}
	ok.OnTapped = d.Hide
	env.escapable(d, keys, d.Hide)
	d.Resize(fyne.NewSize(560, 0))
	d.Show()
	env.Win.Canvas().Focus(printB)
}
