// Package app is the core of bianmin: domain types, policy profiles, the
// working-day calendar, evaluation rules, metrics and the services that the
// screens and the CLI call.
//
// It imports no UI toolkit, no SQL driver and no serial library, so every rule
// is testable with a fake clock and an in-memory store. Storage, devices,
// printing and sync implement the small interfaces declared here.
package app
