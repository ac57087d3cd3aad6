# The Consul ACL policy of the SecMon EMS's token: read and write its store's keys (prefix secmon/, the EMS's
# --consul-prefix), nothing else. ConsulStoreTest runs the EMS against a real Consul with exactly this policy.
key_prefix "secmon/" {
  policy = "write"
}
