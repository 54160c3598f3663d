/* sfcopyerr: the record and column of a failed stage COPY, as Snowflake
 * and fakesnow (DuckDB) word them, and the file holding the record. */
#include <stdint.h>
#include <stdio.h>

#include "sfcopyerr.h"
#include "tap.h"

int
main(void)
{
	int64_t rec = 0, in = 0;
	int col = 9;
	size_t k = 9;
	const int todo[] = { 1, 0, 1, 1 };
	const int64_t sent[] = { 3, 50, 2, 4 };

	ok(sfcopyerr_where("Numeric value 'abc' is not recognized\n"
	    "  File 'stage-1/rows.csv.gz', line 5, character 14\n"
	    "  Row 5, column \"USERS\"[\"AGE\":4]\n", &rec, &col) == 0 &&
	    rec == 5 && col == 3, "Snowflake: Row 5, column position 4");
	ok(sfcopyerr_where("Conversion Error: CSV Error on Line: 5\n"
	    "Original Line: 8589934594,2,b,abc\nError when converting column "
	    "\"column3\". Could not convert", &rec, &col) == 0 && rec == 5 &&
	    col == 3, "DuckDB: line 5, column3");
	ok(sfcopyerr_where("CSV Error on Line: 12\nError when converting "
	    "column \"column07\".", &rec, &col) == 0 && rec == 12 && col == 7,
	    "DuckDB's zero-padded column07");
	ok(sfcopyerr_where("File 'x', line 7, character 2", &rec, &col) == 0
	    && rec == 7 && col == -1, "a line and no column");
	ok(sfcopyerr_where("Table 'T' does not exist", &rec, &col) == -1,
	    "no record: -1");
	ok(sfcopyerr_where("Row -3", &rec, &col) == -1, "no negative rows");
	ok(sfcopyerr_where(NULL, &rec, &col) == -1, "NULL: -1");
	ok(sfcopyerr_file(1, todo, sent, 4, &k, &in) == 0 && k == 0 &&
	    in == 1, "record 1: the first file's first");
	ok(sfcopyerr_file(4, todo, sent, 4, &k, &in) == 0 && k == 2 &&
	    in == 1, "record 4: past the skipped file, the third's first");
	ok(sfcopyerr_file(9, todo, sent, 4, &k, &in) == 0 && k == 3 &&
	    in == 4, "record 9: the last file's last");
	ok(sfcopyerr_file(10, todo, sent, 4, &k, &in) == -1,
	    "past every record: -1");
	ok(sfcopyerr_file(0, todo, sent, 4, &k, &in) == -1, "record 0: -1");
	return tap_done();
}
