/* A power-cut simulating SQLite VFS for tests (in the spirit of SQLite's own crash test VFS):
 * every write and truncate of the database and WAL files goes through to the real file, but is
 * remembered until that file is synced; crash_vfs_cut() then undoes every write not synced
 * since, in every file, as a power loss would, and from then on every write, sync and delete
 * fails (the machine is off) until crash_vfs_revive(). */
#ifndef ZEUES_TESTS_CRASH_VFS_H
#define ZEUES_TESTS_CRASH_VFS_H

/** Registers the VFS as the default one (before any store is opened). 0 on success. */
int crash_vfs_register(void);
/** The power cut: undoes unsynced writes, then fails all writes. Returns the number of write
 *  or truncate operations thrown away. */
long crash_vfs_cut(void);
/** Power back: writes work again, nothing is remembered. */
void crash_vfs_revive(void);

#endif
