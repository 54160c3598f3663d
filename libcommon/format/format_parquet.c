/*
 * format_parquet: Parquet loader files.  This file holds the reader side
 * (parquet_read.h); the writer side joins it here.
 */
#include "format.h"
#include "parquet_read.h"

const struct format_ops format_parquet_ops = {
	.id = FMT_PARQUET,
	.name = "parquet",
	.ext = "parquet",
	.self_compressing = 1,
	.read = parquet_read,
};
