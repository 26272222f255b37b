// Package packaging holds the nfpm configurations, maintainer scripts and
// shipped configuration files of the kretslopp-agent and
// kretslopp-collector .deb and .rpm packages (built by `make packages`
// through build.sh). It has no Go code of its own: its tests build the
// packages, install them into a scratch root with dpkg and check what an
// operator relies on: conffiles, enabled units, and a spool that survives
// upgrade and removal and goes only on purge.
package packaging
