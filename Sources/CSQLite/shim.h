#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast macro Swift cannot import; this gives it a name.
static inline sqlite3_destructor_type CSQLite_transient(void) { return SQLITE_TRANSIENT; }
