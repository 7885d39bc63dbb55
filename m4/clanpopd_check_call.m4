# clanpopd_check_call.m4 - CLANPOPD_CHECK_CALL: configure stops unless a
# call compiles and links.

# _CLANPOPD_CHECK_CALL_CFLAGS
# Set CHECK_CALL_CFLAGS to -Werror=implicit-function-declaration when the
# compiler accepts it: an implicit declaration is then an error, so a
# header that lacks the function fails the check too.
AC_DEFUN([_CLANPOPD_CHECK_CALL_CFLAGS],
[AC_CACHE_CHECK([whether $CC accepts -Werror=implicit-function-declaration],
	[clanpopd_cv_cc_werror_implicit],
	[save_CFLAGS=$CFLAGS
	 CFLAGS="$CFLAGS -Werror=implicit-function-declaration"
	 AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
		[clanpopd_cv_cc_werror_implicit=yes],
		[clanpopd_cv_cc_werror_implicit=no])
	 CFLAGS=$save_CFLAGS])
CHECK_CALL_CFLAGS=
AS_IF([test "x$clanpopd_cv_cc_werror_implicit" = xyes],
	[CHECK_CALL_CFLAGS=-Werror=implicit-function-declaration])])

# CLANPOPD_CHECK_CALL(FUNCTION, WHERE, CFLAGS, LIBS, INCLUDES, BODY, ERROR)
# Compile and link BODY, which calls FUNCTION, with CFLAGS and LIBS; stop
# with ERROR when that fails.
AC_DEFUN([CLANPOPD_CHECK_CALL],
[AC_REQUIRE([_CLANPOPD_CHECK_CALL_CFLAGS])dnl
AC_CACHE_CHECK([for $1() in $2], [clanpopd_cv_call_$1],
	[save_CFLAGS=$CFLAGS
	 save_LIBS=$LIBS
	 CFLAGS="$CFLAGS $CHECK_CALL_CFLAGS $3"
	 LIBS="$4 $LIBS"
	 AC_LINK_IFELSE([AC_LANG_PROGRAM([$5], [$6])],
		[clanpopd_cv_call_$1=yes], [clanpopd_cv_call_$1=no])
	 CFLAGS=$save_CFLAGS
	 LIBS=$save_LIBS])
AS_IF([test "x$clanpopd_cv_call_$1" != xyes], [AC_MSG_ERROR([$7])])])
