/* version: the one place the toolkit's version is defined. */
#ifndef STAGE_VERSION_H
#define STAGE_VERSION_H

#define STAGE_VERSION "0.1.0"

#endif
