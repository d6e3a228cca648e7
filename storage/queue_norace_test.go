//go:build !race

package storage

const queueRaceTickets = 300
