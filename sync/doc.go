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
//
// Pushed down: PullConfig fetches GET /api/v1/config (after each good drain
// in Run, and in `bianmin sync --once`). The item catalogue, holiday
// overrides, profile name, tag code table and update manifest are validated
// part by part and applied in one SQLite transaction
// (storage.ApplyCountyConfig); the applied version is kept and not applied
// again; a refused or interrupted one leaves the previous one whole, and
// Status.Config.Error says why. wire.OpenService reads the applied holidays
// and tags back (LoadPushedRules); evaluations then upload the tag codes.
//
// QR ratings: the spec does not say how ratings made on phones reach the
// centre. Here they come in the configuration's answer, whatever its version:
//
//	"qrRatings": [{"id": "county id", "projectNo": "流水号", "satisfaction": 1-5,
//	  "evalDetail": "T01,T02", "writingEvaluation": "…", "assessTime": "yyyy-MM-dd HH:mm:ss",
//	  "sig": "qm of the receipt link (required)", "evaluatorTel": "…"}]
//
// satisfaction is in the county's direction and evalDetail in its tag codes,
// as on upload. Each is stored once (by id) through app.Service.Rate with
// app.ChannelQR, so the profile's rules decide; refusals are kept with the
// reason for the manager (QRRefusals, `bianmin sync --rejected`). One
// without a sig that matches its projectNo is refused before the rules.
//
// 未评 (a rating window that closed with no rating, under a profile that
// records it) uploads as an evaluation with "unrated": true, "isDefault":
// true, no satisfaction, pf 7 and assessTime = the window's close; a
// profile's default level (SZ, TA) uploads as that level with isDefault.
//
// Trust: every answer is verified (Signer.VerifyAnswer) before anything in
// it is used; updates are verified by the publisher's key (sync/update).
package countysync
