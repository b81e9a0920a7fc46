// Package docs holds the tests of the repository's documentation,
// README.md and docs/*.md: every relative link and #anchor resolves, and
// the README stays a front door. It has no code of its own.
package docs
