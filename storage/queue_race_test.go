//go:build race

package storage

// Under the race detector SQLite (pure Go) runs some ten times slower; the
// queue race test then claims fewer tickets with the same ten connections.
const queueRaceTickets = 120
