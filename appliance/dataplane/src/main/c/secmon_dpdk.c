int secmon_placeholder(void) { return 0; }
