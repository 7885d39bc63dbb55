/* t_outdir.c - unit tests for outdir.c: the output directory as a trust
   boundary (owners, modes, symbolic links), atomic writes, temp files. */
#include "config.h"

#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "outdir.h"
#include "tap.h"
#include "tfile.h"

/*
 * Interposed on libc for outdir.c: the owner check is tested as if the
 * daemon ran as another user, and a directory sync can be made to fail.
 */
static long	fake_euid = -1;
static int	fail_dir_sync;

uid_t
geteuid(void)
{
	return fake_euid >= 0 ? (uid_t)fake_euid :
	    (uid_t)syscall(SYS_geteuid);
}

int
fsync(int fd)
{
	struct stat st;

	if (fail_dir_sync && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fsync, fd);
}

static char	top[64];

static const char *
at(const char *rel)
{
	return tfile_at(top, rel);
}

static void
put(const char *path, const char *text)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	fputs(text, fp);
	fclose(fp);
}

/* The text of path, or "(none)" (a static buffer). */
static const char *
text_of(const char *path)
{
	static char	 buf[4096];
	FILE		*fp;
	size_t		 n;

	if ((fp = fopen(path, "r")) == NULL)
		return "(none)";
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static char	new_text[] = "new\n", one_text[] = "one\n";
static char	two_text[] = "two\n", three_text[] = "three\n";

static int
fill_text(FILE *fp, void *arg)
{
	return fputs(arg, fp) == EOF ? -1 : 0;
}

static int
is_link(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

static void
test_open(void)
{
	struct outdir	*od;
	char		 err[1024], want[1024];

	od = outdir_open(at("out/a/b"), err, sizeof(err));
	tap_ok(od != NULL, "a missing directory and its parents are made");
	tap_str(text_of(at("out/a/b/clans/x")), "(none)", "clans/ is empty");
	tap_int(access(at("out/a/b/clans"), W_OK), 0, "clans/ is made");
	outdir_close(od);

	chmod(at("out/a/b"), 0775);
	tap_ok(outdir_open(at("out/a/b"), err, sizeof(err)) == NULL,
	    "a group-writable output directory is refused");
	snprintf(want, sizeof(want), "%s is writable by group or others "
	    "(mode 0775): they could make clanpopd write or delete files "
	    "elsewhere; run chmod go-w %s", at("out/a/b"), at("out/a/b"));
	tap_str(err, want, "... and the message says why and what to do");
	chmod(at("out/a/b"), 0755);

	chmod(at("out/a/b/clans"), 01777);
	tap_ok(outdir_open(at("out/a/b"), err, sizeof(err)) == NULL,
	    "a world-writable clans/ is refused");
	snprintf(want, sizeof(want), "%s is writable by group or others "
	    "(mode 1777): they could make clanpopd write or delete files "
	    "elsewhere; run chmod go-w %s", at("out/a/b/clans"),
	    at("out/a/b/clans"));
	tap_str(err, want, "... and the message names clans/");
	chmod(at("out/a/b/clans"), 0755);

	/* The directory belongs to the test's user; the daemon is 4242. */
	fake_euid = 4242;
	od = outdir_open(at("out/a/b"), err, sizeof(err));
	if (geteuid() == 4242 && syscall(SYS_geteuid) != 0) {
		tap_ok(od == NULL, "a directory of another user is refused");
		snprintf(want, sizeof(want), "%s is owned by uid %ld, neither "
		    "clanpopd's user (uid 4242) nor root: its owner could make "
		    "clanpopd write or delete files elsewhere; chown it to "
		    "uid 4242 or choose another output.directory",
		    at("out/a/b"), (long)syscall(SYS_geteuid));
		tap_str(err, want, "... and the message says what to do");
	} else {
		tap_ok(od != NULL, "a directory owned by root is accepted "
		    "for another user");
		outdir_close(od);
		chown(at("out/a/b"), 7, 7);
		od = outdir_open(at("out/a/b"), err, sizeof(err));
		tap_ok(od == NULL, "a directory of another user is refused");
		snprintf(want, sizeof(want), "%s is owned by uid 7, neither "
		    "clanpopd's user (uid 4242) nor root: its owner could make "
		    "clanpopd write or delete files elsewhere; chown it to "
		    "uid 4242 or choose another output.directory",
		    at("out/a/b"));
		tap_str(err, want, "... and the message says what to do");
		chown(at("out/a/b"), 0, 0);
	}
	fake_euid = -1;
	outdir_close(od);

	/* The output directory itself may be a symbolic link (systemd). */
	symlink("out/a/b", at("link"));
	od = outdir_open(at("link"), err, sizeof(err));
	tap_ok(od != NULL, "the output directory may be a symbolic link");
	outdir_close(od);
}

static void
test_planted_links(void)
{
	struct outdir	*od;
	char		 err[1024], want[1024];
	int		 fd;

	mkdir(at("victim"), 0755);
	put(at("victim/9V2Y.json"), "victim's\n");
	put(at("victim/20260101T000000Z.json"), "victim's\n");
	put(at("victim/.clanpopd-tmp-9V2Y.json.AbC123"), "victim's\n");
	mkdir(at("o"), 0755);

	symlink(at("victim"), at("o/clans"));
	tap_ok(outdir_open(at("o"), err, sizeof(err)) == NULL,
	    "clans -> elsewhere: the start is refused");
	snprintf(want, sizeof(want), "%s is a symbolic link; clanpopd never "
	    "follows one in its output directory: remove it", at("o/clans"));
	tap_str(err, want, "clans -> elsewhere: the message names it");
	unlink(at("o/clans"));

	mkdir(at("o/history"), 0755);
	symlink(at("victim"), at("o/history/9V2Y"));
	tap_ok(outdir_open(at("o"), err, sizeof(err)) == NULL,
	    "history/TAG -> elsewhere: the start is refused");
	snprintf(want, sizeof(want), "%s is a symbolic link; clanpopd never "
	    "follows one in its output directory: remove it",
	    at("o/history/9V2Y"));
	tap_str(err, want, "history/TAG -> elsewhere: the message names it");
	unlink(at("o/history/9V2Y"));

	/* Planted while running: refused where it is met. */
	od = outdir_open(at("o"), err, sizeof(err));
	tap_ok(od != NULL, "a clean output directory opens");
	symlink(at("victim"), at("o/history/9V2Y"));
	tap_int(outdir_subdir(od, "history/9V2Y", 1, err, sizeof(err)), -1,
	    "history/TAG planted later: refused");
	snprintf(want, sizeof(want), "%s is a symbolic link; clanpopd never "
	    "follows one in its output directory: remove it",
	    at("o/history/9V2Y"));
	tap_str(err, want, "... with the path in the message");
	tap_int(outdir_subdir(od, "history/..", 1, err, sizeof(err)), -1,
	    "\"..\" is never a subdirectory");

	fd = outdir_subdir(od, "clans", 1, err, sizeof(err));
	symlink(at("victim/9V2Y.json"), at("o/clans/9V2Y.json"));
	tap_int(outdir_write(fd, at("o/clans"), "9V2Y.json", fill_text,
	    new_text, err, sizeof(err)), -1,
	    "clans/TAG.json -> elsewhere: not written");
	snprintf(want, sizeof(want), "%s/9V2Y.json is a symbolic link; "
	    "clanpopd never writes through or over one in its output "
	    "directory: remove it", at("o/clans"));
	tap_str(err, want, "... and the message names it");
	tap_ok(is_link(at("o/clans/9V2Y.json")), "... the link is left");

	/* Temp files: only regular files with clanpopd's names go. */
	put(at("o/clans/.clanpopd-tmp-9V2Y.json.Zz09Aa"), "stale\n");
	put(at("o/clans/.clanpopd-tmp-9V2Y.json.Zz09A"), "not ours\n");
	put(at("o/clans/.clanpopd-tmp-9V2Y.json.Zz-9Aa"), "not ours\n");
	put(at("o/clans/.clanpopd-tmp-"), "not ours\n");
	put(at("o/clans/keep.json"), "not ours\n");
	symlink(at("victim/.clanpopd-tmp-9V2Y.json.AbC123"),
	    at("o/clans/.clanpopd-tmp-9V2Y.json.AbC123"));
	tap_int(outdir_clean_temps(fd), 1, "one stale temp file removed");
	tap_str(text_of(at("o/clans/.clanpopd-tmp-9V2Y.json.Zz09Aa")),
	    "(none)", "... the one clanpopd made");
	tap_str(text_of(at("o/clans/.clanpopd-tmp-9V2Y.json.Zz09A")),
	    "not ours\n", "a 5-letter suffix is not clanpopd's");
	tap_str(text_of(at("o/clans/.clanpopd-tmp-9V2Y.json.Zz-9Aa")),
	    "not ours\n", "a '-' in the suffix is not clanpopd's");
	tap_str(text_of(at("o/clans/.clanpopd-tmp-")), "not ours\n",
	    "the bare prefix is not clanpopd's");
	tap_ok(is_link(at("o/clans/.clanpopd-tmp-9V2Y.json.AbC123")),
	    "a symbolic link with a temp name is left");
	close(fd);
	outdir_close(od);

	tap_str(text_of(at("victim/9V2Y.json")), "victim's\n",
	    "nothing outside was written: the snapshot name");
	tap_str(text_of(at("victim/20260101T000000Z.json")), "victim's\n",
	    "nothing outside was written: the history name");
	tap_str(text_of(at("victim/.clanpopd-tmp-9V2Y.json.AbC123")),
	    "victim's\n", "nothing outside was removed: the temp name");
}

static void
test_write(void)
{
	struct outdir	*od;
	char		 err[1024], want[1024], logpath[600];
	int		 saved, lfd;

	od = outdir_open(at("w"), err, sizeof(err));
	tap_int(outdir_write(od->fd, od->path, "index.json", fill_text,
	    one_text, err, sizeof(err)), 0, "a write succeeds");
	tap_str(text_of(at("w/index.json")), "one\n", "... with its text");

	/* A failed directory sync after the rename is only a warning. */
	snprintf(logpath, sizeof(logpath), "%s/log", top);
	fflush(stderr);
	saved = dup(2);
	lfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(lfd, 2);
	close(lfd);
	fail_dir_sync = 1;
	tap_int(outdir_write(od->fd, od->path, "index.json", fill_text,
	    two_text, err, sizeof(err)), 0,
	    "a failed directory sync still counts as written");
	fail_dir_sync = 0;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	tap_str(text_of(at("w/index.json")), "two\n", "... the new text is "
	    "in place");
	snprintf(want, sizeof(want), "warning: %s/index.json is written, "
	    "but syncing %s failed, so it may not survive a power failure: "
	    "Input/output error\n", at("w"), at("w"));
	tap_str(strchr(text_of(logpath), ' ') != NULL ?
	    strchr(text_of(logpath), ' ') + 1 : "(no log line)", want,
	    "... and the warning says so");

	/* The directory removed under a running daemon. */
	rmdir(at("w/clans"));
	unlink(at("w/index.json"));
	tap_int(rmdir(at("w")), 0, "the output directory is removed");
	tap_int(outdir_write(od->fd, od->path, "index.json", fill_text,
	    three_text, err, sizeof(err)), -1, "writing in it fails");
	snprintf(want, sizeof(want), "the directory %s was removed while "
	    "clanpopd ran; create it again and reload clanpopd (SIGHUP); the "
	    "previous index.json is lost with it", at("w"));
	tap_str(err, want, "... and the message says what to do");
	tap_int(outdir_gone(od), 1, "outdir_gone sees it");
	tap_int(outdir_subdir(od, "clans", 1, err, sizeof(err)), -1,
	    "clans/ cannot be made in it");
	snprintf(want, sizeof(want), "the directory %s was removed while "
	    "clanpopd ran; create it again and reload clanpopd (SIGHUP)",
	    at("w"));
	tap_str(err, want, "... and the message says what to do");
	outdir_close(od);
}

int
main(void)
{
	char cmd[128];

	log_init(0);
	snprintf(top, sizeof(top), "/tmp/t_outdir.XXXXXX");
	if (mkdtemp(top) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	umask(022);
	test_open();
	test_planted_links();
	test_write();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
