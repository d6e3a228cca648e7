// Package console attaches a Windows GUI-subsystem program to the console it
// was started from, so that `bianmin stats …` prints there.
package console
