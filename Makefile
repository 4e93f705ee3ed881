# PGXS build of the ras extension.
EXTENSION = ras
MODULE_big = ras
OBJS = src/ras.o src/options.o src/http.o src/auth.o src/api.o src/body.o \
       src/util.o src/secrets.o src/json.o src/json_fast.o src/rows.o src/entity.o src/list.o src/mutate.o \
       src/report.o src/report_catalog.o src/report_spec.o src/report_jobs.o src/report_stream.o \
       src/fdw.o src/fdw_table.o src/budget.o src/dispatch.o
DATA = $(wildcard ras--*.sql)
PGFILEDESC = "ras - the Amazon Ads API as SQL"

REGRESS = setup options profiles retailers faults campaigns filters mutations v1 v1_betas products reports fdw fdw_pushdown security upgrade
REGRESS_OPTS = --inputdir=. --dbname=contrib_regression

PG_CPPFLAGS = -Isrc -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
              -Wno-sign-compare
# make WERROR=1 (as make test and CI do): our own files build without a
# warning under gcc and under clang (the JIT bitcode), or not at all.
ifneq ($(WERROR),)
PG_CPPFLAGS += -Werror
endif
SHLIB_LINK = -lcurl -lz

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# After the include, so that PGXS's "all" stays the default goal: every object and
# its JIT bitcode depend on the shared headers (PGXS tracks no headers itself) and on
# the flags they were built with, so that "make WERROR=1" after a plain "make"
# compiles everything again with -Werror instead of finding it up to date.
BITCODE = $(OBJS:.o=.bc)
$(OBJS) $(BITCODE): src/ras.h src/report.h src/fdw.h .build-flags
.build-flags: FORCE
	@echo '$(PG_CPPFLAGS)' | cmp -s - $@ || echo '$(PG_CPPFLAGS)' > $@
.PHONY: FORCE
FORCE:
EXTRA_CLEAN = .build-flags

.PHONY: test bench valgrind
# Everything (test/run-all.sh): build with -Werror, install, simulator + validating
# proxy, pg_regress, the simulator's unit tests, the parser check, integration tests,
# contract and secret checks, valgrind.
test:
	bash test/run-all.sh

bench:
	bash test/bench/run.sh

# A backend under valgrind: no leaks or memory errors in ras or libcurl.
valgrind:
	bash test/valgrind.sh
