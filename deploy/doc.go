// Package deploy holds how Kretslopp is installed and run: packages and
// systemd units (packaging/, systemd/), the macOS LaunchDaemon (launchd/),
// the Windows install script for Intune or group policy (windows/), the
// server side as a compose file (compose/) and Kubernetes manifests
// (kubernetes/), and Prometheus alert rules (prometheus/). The tests here
// check the endpoint installers against the agent's configuration keys and
// default paths; each subfolder tests its own files.
package deploy
