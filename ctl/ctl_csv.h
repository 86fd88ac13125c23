/*
 * ctl_csv.h - bulkguard-ctl's "import" and "export" commands: suppressions
 * and consent in bulk, as CSV.
 *
 * One row per suppress* or consent* field, RFC 4180 quoting, a header line:
 *
 *	address,kind,entity,list,reason_or_level,time,ip,source
 *
 * kind is suppress or consent; entity is empty for a global suppression;
 * time is ISO 8601 UTC (import also takes unix seconds); ip is for consent.
 */
#ifndef CTL_CSV_H
#define CTL_CSV_H

#include "bg_config.h"

#define CTL_IMPORT_USAGE                                                                                               \
	"import [--dry-run] [--reason-map FROM=TO ...] FILE|-\n"                                                       \
	"       import --format sendgrid|mailchimp|ses [--reason WORD] [--entity ENTITY [--list LIST]]\n"              \
	"              [--dry-run] [--reason-map FROM=TO ...] FILE|-"
#define CTL_EXPORT_USAGE "export [FILE|-] [--entity ENTITY]"

/*
 * Runs "import [options] FILE|-" (argv[0] is "import"): every good row is
 * written (pipelined HSETs), every bad row reported with its line number and
 * skipped; with cfg->audit one bg:audit entry sums the import up. --format
 * reads another platform's export (ctl_platform.h); a reason word outside
 * the contract's is a bad row unless --reason-map maps it; --dry-run prints
 * what each row would change (HGET) and writes nothing. Returns 0,
 * 1 when some rows were bad, 64 for bad usage, 66 when FILE cannot be read,
 * 69 when Redis is unreachable (rows written before stay written: importing
 * again is harmless).
 */
int ctl_import(const struct bg_config *cfg, int argc, char **argv);

/*
 * Runs "export [FILE|-] [--entity E]" (argv[0] is "export"): every
 * suppress* and consent* field under prefix rcpt:* (SCAN, pipelined
 * HGETALL), or only the entity's, as CSV that import reads back to the same
 * data. Returns 0, 1 when some fields could not be exported (named on
 * stderr), 64, 69, 73 when FILE cannot be created, 74 on a write error.
 */
int ctl_export(const struct bg_config *cfg, int argc, char **argv);

#endif
