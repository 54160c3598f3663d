/* version: the one place the release number lives. */
#ifndef STAGE_VERSION_H
#define STAGE_VERSION_H

#define STAGE_VERSION "0.1.0"

#endif
