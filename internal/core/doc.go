// Package core holds Sluice's domain vocabulary: error codes that are AWS
// exception names, the account and region scope of every resource, the clock,
// and the records the services and stores exchange. It imports nothing of
// Sluice and nothing outside the standard library.
package core
