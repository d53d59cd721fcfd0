/*
 * Unit tests of the shared tokenizer: words, case, apostrophes (ASCII and
 * curly), USSD codes, non-ASCII, offsets and phrase search.
 */
#include <string.h>

#include "check.h"
#include "convtrack/text.h"

static void expect(const char *text, const char *const *want, size_t n)
{
	struct ct_text_tokens t = { 0 };
	size_t i;

	CHECK(ct_text_tokenize(text, strlen(text), &t) == 0);
	CHECK(t.n == n);
	for (i = 0; i < n && i < t.n; i++)
		CHECK_STR(t.v[i].s, want[i]);
	ct_text_tokens_free(&t);
}

int main(void)
{
	static const char *const a[] = { "hi", "i'm", "sarah", "don't", "worry" };
	static const char *const b[] = { "dial", "*236#", "then", "5" };
	static const char *const c[] = { "zo\xc3\xab", "s", "card" };
	static const char *const d[] = { "what", "s", "my", "balance", "100", "50" };
	static const char *const e[] = { "i'm", "here" };
	struct ct_text_tokens t = { 0 };

	expect("Hi, I'm Sarah -- don't WORRY!", a, 5);
	expect("Dial *236# then 5.", b, 4);
	expect("Zo\xc3\xab 's card", c, 3);
	expect("what 's my balance? $100.50", d, 6);
	expect("I\xe2\x80\x99m here", e, 2);
	expect("", NULL, 0);
	expect("*# ** #", NULL, 0);

	CHECK(ct_text_tokenize("my name is Tendai, my name is", 29, &t) == 0);
	CHECK(ct_text_find_phrase(&t, 0, "my name is") == 0);
	CHECK(ct_text_find_phrase(&t, 1, "my name is") == 4);
	CHECK(ct_text_find_phrase(&t, 0, "name tendai") == -1);
	CHECK(ct_text_token_is(&t, 3, "tendai"));
	CHECK(t.v[3].start == 11 && t.v[3].end == 17);
	ct_text_tokens_free(&t);
	return ct_check_done();
}
