# The Consul ACL policy of the SecMon EMS's token: read and write its store's keys (prefix secmon/, the EMS's
# --consul-prefix), and sessions — the EMS instances elect the one that runs health checks with a session lock on
# secmon/meta/leader — nothing else. ConsulAclTest runs the EMS against a real Consul with exactly this policy.
key_prefix "secmon/" {
  policy = "write"
}
session_prefix "" {
  policy = "write"
}
