package countysync

import (
	"context"
	"encoding/json"
)

// Self-update: the county's configuration may name a new version of bianmin
// (UpdateManifest); sync/update installs it only when the publisher signed
// it. The new version runs from the next start.

// StoredUpdate is the update manifest of the last configuration applied,
// or nil when the county named none.
func StoredUpdate(ctx context.Context, st SettingsStore) (*UpdateManifest, error) {
	kv, err := st.Settings(ctx, keyConfigManifest)
	if err != nil {
		return nil, err
	}
	var u UpdateManifest
	if m := kv[keyConfigManifest]; m == "" || json.Unmarshal([]byte(m), &u) != nil || u.Version == "" {
		return nil, nil
	}
	return &u, nil
}
