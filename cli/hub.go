package cli

import (
	"context"
	"net"

	"bianmin/storage"
)

// HubKey is the centre key of the hub on d: the stored one, or a new one,
// stored (the desktop program serving the LAN uses it like `bianmin serve`).
func HubKey(ctx context.Context, d *storage.DB, want string) (string, error) {
	k, _, err := hubKey(ctx, d, want)
	return k, err
}

// HubURLs are the addresses other PCs reach a hub listening on addr at.
func HubURLs(addr net.Addr) []string { return hubURLs(addr) }
