// Package countysync uploads the hub's outbox to the county 好差评 platform
// (../shared/design/county-upload.md) and holds a simulator of the county's
// receiving side for tests, demos and county IT.
//
// The directory is sync/ (the design card's layout); the package is named
// countysync because "sync" collides with the standard library. Import it as
//
//	countysync "bianmin/sync"
//
// Pieces: Settings (connection and the code tables provinces disagree on,
// persisted as key-value settings), Mapper (outbox rows → county records,
// with validation before sending), Signer (HMAC-SHA256; an SM2/SM3 signer
// plugs in at the same place), Sender (drains the outbox in batches with
// retry, backoff and a status for the UI) and Simulator (the receiver).
package countysync
