package app_test

import (
	"testing"

	"bianmin/app"
)

// Records reads the centre's records for documents and the command line:
// staff come without their PIN hashes, and it cannot be turned into the
// store to write past the rules.
func TestRecordsReadOnlyWithoutSecrets(t *testing.T) {
	f := newLedger(t, "national", at(2026, 6, 30, 17))
	if _, err := f.st.AddStaff(f.ctx, app.Staff{No: "0105", Name: "郑窗口", Role: app.RoleClerk, Active: true,
		PINHash: "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA"}); err != nil {
		t.Fatal(err)
	}
	r := f.svc.Records()
	staff, err := r.AllStaff(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range staff {
		if s.PINHash != "" {
			t.Errorf("staff %s carries a PIN hash", s.No)
		}
		found = found || (s.No == "0105" && s.Name == "郑窗口")
	}
	if !found {
		t.Errorf("0105 郑窗口 missing from %+v", staff)
	}
	// The store below still has the hash: Records cleared a copy.
	raw, err := f.st.StaffByNo(f.ctx, "0105")
	if err != nil || raw.PINHash == "" {
		t.Fatalf("stored staff lost its PIN hash: %+v, %v", raw, err)
	}
	if _, ok := r.(app.Store); ok {
		t.Error("Records can be asserted to the store and written through")
	}
	items, err := r.Items(f.ctx)
	if err != nil || len(items) != 4 {
		t.Errorf("items %d, %v; want the fixture's 4", len(items), err)
	}
}
