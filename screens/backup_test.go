package screens

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"bianmin/app"
	"bianmin/storage"
)

// 备份数据 on the dashboard writes a real backup of the centre's database
// with a progress bar and says where it is, with 打开文件夹; the copy opens
// and holds the centre.
func TestBackupInWindow(t *testing.T) {
	svc, db, m := demoCentre(t)
	env := syncEnv(t)
	env.ProgressDelay = -1
	d := NewDashboard(env, svc, m)
	if d.BackupButton.Visible() {
		t.Error("备份数据 shown without a backup function")
	}
	out := filepath.Join(t.TempDir(), "backups", "bianmin.db")
	var bars int
	d.SetBackup(func(parent context.Context) (string, error) {
		// The dashboard's progress function, and a look at the bar after each step.
		ctx := app.WithProgress(parent, func(done, total int) {
			app.ReportProgress(parent, done, total)
			if b, _ := progressShown(env.Win); b != nil && b.Value == float64(done)/float64(total) {
				bars++
			}
		})
		if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
			return "", err
		}
		return out, db.Backup(ctx, out)
	})
	env.Win.SetContent(d.Content())
	if !d.BackupButton.Visible() {
		t.Fatal("备份数据 hidden")
	}
	test.Tap(d.BackupButton)
	if d.BackedUp != out || SavedDialog.Path != out {
		t.Fatalf("backup %q, dialog for %q", d.BackedUp, SavedDialog.Path)
	}
	if bars == 0 {
		t.Error("no progress shown during the backup")
	}
	said := false
	for _, s := range texts(env.Win) {
		said = said || strings.Contains(s, "备份已保存在")
	}
	if !said {
		t.Errorf("the window does not say where the backup is: %q", texts(env.Win))
	}
	b, err := storage.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := b.Centre(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := db.Centre(context.Background())
	if c.Name == "" || c.Name != orig.Name {
		t.Errorf("backup's centre %q, the database's %q", c.Name, orig.Name)
	}
}
