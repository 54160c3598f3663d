/* Unit tests of the small XML reader S3 answers go through. */
#include <string.h>

#include "tap.h"
#include "xml.h"

int
main(void)
{
	const char *err = "<?xml version=\"1.0\"?>\n<Error><Code>NoSuchKey</Code>"
	    "<Message>a &lt;key&gt; &amp; &quot;more&quot; &#233;&#x65E5;"
	    "</Message><Key/></Error>";
	const char *list = "<ListMultipartUploadsResult><Upload><Key>a b</Key>"
	    "<UploadId>1</UploadId></Upload><Upload><Key>k&amp;2</Key>"
	    "<UploadId>2</UploadId></Upload></ListMultipartUploadsResult>";
	struct buf b = BUF_INIT;
	const char *in, *p = list;
	size_t len, off, n = strlen(list);
	int uploads = 0;

	ok(xml_text(err, strlen(err), "Code", &b) == 0 &&
	    strcmp(b.p, "NoSuchKey") == 0, "finds an element's text");
	ok(xml_text(err, strlen(err), "Message", &b) == 0 &&
	    strcmp(b.p, "a <key> & \"more\" \xc3\xa9\xe6\x97\xa5") == 0,
	    "decodes named and numeric entities");
	ok(xml_text(err, strlen(err), "Key", &b) == 0 && b.len == 0,
	    "an empty element <Key/> has empty text");
	ok(xml_text(err, strlen(err), "Nope", &b) == -1, "absent element");
	ok(xml_text(list, n, "Uploa", &b) == -1, "no prefix matches");
	while ((off = xml_find(p, n, "Upload", &in, &len))) {
		xml_text(in, len, "Key", &b);
		uploads++;
		p += off;
		n -= off;
	}
	ok(uploads == 2 && strcmp(b.p, "k&2") == 0, "walks repeated elements");
	buf_reset(&b);
	xml_escape(&b, "\"e\"&<>'", 7);
	ok(strcmp(b.p, "&quot;e&quot;&amp;&lt;&gt;&apos;") == 0, "escapes");
	buf_free(&b);
	return tap_done();
}
