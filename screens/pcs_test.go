package screens

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"bianmin/app"
	"bianmin/app/queue"
	"bianmin/sync/lan"
)

// pcRegistry adapts the hub's real registry, as main does.
type pcRegistry struct {
	reg *lan.Registry
	f   *fixture
}

func (r pcRegistry) PCs(ctx context.Context) ([]app.PC, []app.Window, error) {
	pcs, err := r.reg.List(ctx)
	if err != nil {
		return nil, nil, err
	}
	ws, err := r.f.db.Windows(ctx)
	return pcs, ws, err
}

func (r pcRegistry) AddPC(ctx context.Context, actor *app.Staff, role app.PCRole, window int, name string) (app.PC, string, error) {
	p, c, err := r.reg.Add(ctx, actor, role, window, name, "192.168.1.10:8787")
	return p, c.String(), err
}

func (r pcRegistry) RevokePC(ctx context.Context, actor *app.Staff, id int64) error {
	return r.reg.Revoke(ctx, actor, id)
}

// The manager adds a window PC (its join code shown), sees it join, and
// revokes it; Esc goes back; at 1024×768 the buttons are on screen.
func TestPCListAddJoinRevoke(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	env := syncEnv(t)
	env.Win.Resize(fyne.NewSize(1024, 768))
	_, pin, err := lan.HubCert(ctx, f.db)
	if err != nil {
		t.Fatal(err)
	}
	reg := lan.NewRegistry(f.db, pin, nil)
	p := NewPCList(env, pcRegistry{reg, f}, &f.manager)
	back := 0
	p.OnBack = func() { back++ }
	env.Win.SetContent(p.Content())
	p.Reload()
	if len(p.PCs) != 0 || !p.Revoke.Disabled() {
		t.Fatalf("empty list: %d PCs, revoke enabled %v", len(p.PCs), !p.Revoke.Disabled())
	}
	p.AddPC(app.PCCounter, 1, "")
	code, err := lan.ParseJoinCode(p.Code)
	if err != nil || code.Pin != pin {
		t.Fatalf("join code %q: %+v %v", p.Code, code, err)
	}
	if len(p.PCs) != 1 || !strings.Contains(p.row(p.PCs[0]), "1号窗口") || !strings.Contains(p.row(p.PCs[0]), "等待加入") {
		t.Fatalf("after add: %+v", p.PCs)
	}
	if !hasText(env.Win, p.Code) {
		t.Fatal("the join code is not on screen")
	}
	if _, _, err := reg.Enroll(ctx, code.Token, "WIN-PC-03"); err != nil {
		t.Fatal(err)
	}
	p.Reload()
	if row := p.row(p.PCs[0]); !strings.Contains(row, "已加入") || !strings.Contains(row, "WIN-PC-03") {
		t.Fatalf("after join: %s", row)
	}
	p.List.Select(0)
	if p.Revoke.Disabled() {
		t.Fatal("revoke disabled with a PC selected")
	}
	p.RevokePC(p.Selected.ID)
	if row := p.row(p.PCs[0]); !strings.Contains(row, "已撤销") {
		t.Fatalf("after revoke: %s", row)
	}
	p.List.Select(0)
	if !p.Revoke.Disabled() {
		t.Fatal("a revoked PC can be revoked again")
	}
	// A clerk cannot add one.
	clerk := &app.Staff{ID: 9, Role: app.RoleClerk, Active: true}
	if _, _, err := (pcRegistry{reg, f}).AddPC(ctx, clerk, app.PCKiosk, 0, ""); app.ErrorCode(err) != "forbidden" {
		t.Fatalf("clerk added a PC: %v", err)
	}
	for _, b := range []fyne.CanvasObject{p.Add, p.Revoke, p.Back} {
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
		if pos.X+b.Size().Width > 1024 || pos.Y+b.Size().Height > 768 {
			t.Errorf("button at %v size %v is off a 1024×768 screen", pos, b.Size())
		}
	}
	p.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if back != 1 {
		t.Fatal("Esc did not go back")
	}
}

// hasText reports whether s is drawn in w (dialogs included), alone or in
// an entry.
func hasText(w fyne.Window, s string) bool {
	for _, t := range texts(w) {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

// On a new PC the first-start screen takes a join code instead of making a
// new centre: a mistyped code says so; the right one joins the real hub
// (TLS, pinned) and says what the PC now is.
func TestSetupJoinsExistingCentre(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cert, pin, err := lan.HubCert(ctx, f.db)
	if err != nil {
		t.Fatal(err)
	}
	reg := lan.NewRegistry(f.db, pin, nil)
	srv := httptest.NewUnstartedServer(lan.NewServerAuth(queue.New(f.db, f.clock, nil), reg, nil))
	srv.TLS = lan.ServerTLS(cert)
	srv.StartTLS()
	defer srv.Close()
	_, code, err := reg.Add(ctx, &f.manager, app.PCCounter, 1, "", strings.TrimPrefix(srv.URL, "https://"))
	if err != nil {
		t.Fatal(err)
	}
	env := syncEnv(t)
	s := NewSetup(env, Profiles(), func(context.Context, SetupInput) error { return nil }, func(SetupInput) {})
	s.EnableJoin(func(ctx context.Context, c string) (string, error) {
		j, err := lan.ParseJoinCode(c)
		if err != nil {
			return "", err
		}
		res, err := lan.Join(ctx, j, "test-pc")
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("本机为 %d 号窗口电脑", res.Window), nil
	})
	env.Win.SetContent(s.Content())
	s.JoinCode.SetText("192.168.1.10/nonsense")
	s.Join.OnTapped()
	if !strings.Contains(s.JoinStatus.Text, "加入码格式不正确") {
		t.Fatalf("bad code: %q", s.JoinStatus.Text)
	}
	s.JoinCode.SetText(code.String())
	s.JoinCode.OnSubmitted(s.JoinCode.Text)
	if !strings.Contains(s.JoinStatus.Text, "本机为 1 号窗口电脑") || !s.Submit.Disabled() {
		t.Fatalf("join: %q", s.JoinStatus.Text)
	}
	pcs, _ := reg.List(ctx)
	if len(pcs) != 1 || pcs[0].EnrolledAt.IsZero() || pcs[0].Host != "test-pc" {
		t.Fatalf("hub's list %+v", pcs)
	}
}
