/*
 * Banking topics and intent (pure: no I/O).  Two parts work together:
 *
 * - Rules: one table of weighted word patterns per topic (below), compiled
 *   once into an index from each word to the patterns it can begin, and
 *   matched against the shared tokenizer's tokens.  They decide which
 *   topics an utterance mentions.  The patterns are written from what each
 *   topic means to a bank's callers (with the Zimbabwean terms: *236#,
 *   ZIPIT, RTGS, EcoCash, ZESA, ZiG), not fitted to particular sentences,
 *   so that they carry over to utterances that no data set holds.
 * - Model: a logistic regression trained on BANKING77, CLINC150 and turns
 *   that ask for nothing (topics_model.c; data/runtime/topics_model.txt,
 *   by tools/train_topics.py), with a class "none".  It decides which
 *   topic is the intent, preferring the mentioned ones; it can overrule a
 *   mention when it is sure the utterance is not about banking, and names
 *   a topic that no rule found only when it is more likely than not and
 *   the utterance has banking evidence (ct_topics_evidence).
 *   ct_topics_choose() has the details.
 *
 * docs/text-rules-topics.md gives the method and the figures measured on
 * held-out BANKING77 and CLINC150 data.
 *
 * Pattern language, one string per pattern:
 *   - words separated by one space must follow each other;
 *   - "a|b|c" is one position that any of the alternatives fills;
 *   - "pre*" is any token that begins with "pre" (3 bytes or more);
 *   - "<ussd>" is any USSD code ("*236#"), "<num>" any number,
 *     "<person>" a name, a relative or a pronoun for them ("John", "mom",
 *     "sister's", "him": the words the intent model drops,
 *     ct_topics_model_person()), never in a pattern's first position;
 *   - "~N" between two positions lets up to N other tokens stand between.
 * A match never spans the end of a sentence.  Each pattern counts once per
 * utterance with its weight; negative weights mark contexts in which a word
 * does not mean the topic ("school fees" are not bank fees).  A topic is
 * mentioned when its score reaches CT_TOPICS_THRESHOLD, and a topic can
 * subsume others: a cardless withdrawal is money sent to be drawn at an ATM,
 * so an utterance that names it does not also report transfers and atm.
 */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convtrack/text.h"
#include "convtrack/topics.h"
#include "topics_int.h"

/* Score at which a topic counts as mentioned. */
#define CT_TOPICS_THRESHOLD 10

struct ct_topics_phrase {
	int weight;
	const char *pattern;
};

struct ct_topics_def {
	const char *id;
	int priority; /* a higher priority wins over a higher score among the
		       * rules' topics, and weighs more against the model */
	const char *subsumes; /* space-separated ids, or NULL */
	const struct ct_topics_phrase *phrases; /* ends with { 0, NULL } */
};

/* Shared word lists. */
#define CT_NEG "not|no|never|didn't|didnt|don't|dont|doesn't|doesnt|haven't|" \
	"havent|hasn't|hasnt|isn't|isnt|wasn't|wasnt|won't|wont|can't|cant|" \
	"cannot|couldn't|couldnt|aren't|wouldn't|wouldnt"
#define CT_NEVER "didn't|didnt|never|not|don't|dont|haven't|havent"
#define CT_TXN "payment|payments|transaction|transactions|charge|charges|" \
	"withdrawal|withdrawals|debit|debits|purchase|purchases|transfer|" \
	"transfers|deduction|deductions|withdrawl|withdrawls"
#define CT_DOVERB "make|made|making|authori*|perform*|initiate*|request*|" \
	"approve|approved|recogni*|recogn*|remember|recall|complete|completed"
#define CT_DOVERB2 CT_DOVERB "|do|did|doing|order|ordered|buy|bought|" \
	"spend|spent|withdraw|withdrew|take|took|set|setup"
#define CT_MONEY "money|cash|funds|fund|usd|dollars|dollar|<num>"
/* What is paid as a bill (bill_payment), not to a person (transfers). */
#define CT_BILLS "bill|bills|zesa|dstv|gotv|electricity|water|council|" \
	"rates|school|insurance|utility|utilities|rent|subscription"
/* Billers and bills that are paid only as bills (not "rent" or "school":
 * "I paid my rent into the wrong account" is a transfer gone wrong). */
#define CT_BILLERS "bill|bills|zesa|dstv|gotv|telone|zinwa|nyaradzo|" \
	"electricity|water|council|insurance|utility|utilities|subscription"
/* Paying a person: "pay my mom", "pay 200 to John", "paid into his". */
#define CT_PAY "pay|pays|paying|paid"
#define CT_PAY_PERSON CT_PAY " ~1 <person>"
#define CT_PAY_TO_PERSON CT_PAY " ~3 to|into ~2 <person>"
#define CT_FX "usd|zig|zwl|zwg|gbp|eur|euro|euros|aud|cad|jpy|yen|rand|" \
	"rands|zar|pula|bwp|kwacha|zmw|yuan|cny|rmb|rupee|rupees|inr|peso|" \
	"pesos|mxn|franc|francs|chf|ruble|rubles|rouble|roubles|naira|" \
	"shilling|shillings|dirham|dirhams|sterling|bitcoin|nzd|sgd|hkd|" \
	"krona|krone|kroner|kronor|baht|ringgit|reais|yens"
#define CT_FXPAIR CT_FX "|dollar|dollars|pound|pounds|bond|bonds"
#define CT_KIN "child|children|kid|kids|son|sons|daughter|daughters|teen|" \
	"teens|teenager|teenagers|minor|minors|baby|grandchild|grandson|" \
	"granddaughter|student|students"
#define CT_PHONE "phone|phones|cellphone|cellphones|handset|smartphone|" \
	"mobile|iphone|android|sim"

#define CT_END { 0, NULL }

/*
 * The taxonomy, in the order of schemas/topics.json.  Ties between topics
 * go to the earlier one, so specific topics precede general ones.
 */
static const struct ct_topics_def ct_topics_table[] = {
	{ "cardless_withdrawal", 0, "transfers atm",
	  (const struct ct_topics_phrase[]){
		  { 20, "cardless" },
		  { 20, "card less" },
		  { 15, "without ~2 card|cards|card's" },
		  { 12, "no card|cards|card's ~4 withdraw*|withdrawl*|cash|"
			"atm|atms" },
		  { 12, "withdraw*|withdrawl*|cash|money ~6 no card" },
		  { 15, "cashsend" },
		  { 15, "instant money" },
		  { 15, "cash send" },
		  { 8, "send|sending ~1 cash" },
		  { 10, "withdraw*|withdrawl*|collect|collection ~4 code|"
			"codes|voucher|vouchers|token" },
		  { 10, "code|codes|voucher|vouchers|token ~4 withdraw*|"
			"withdrawl*|collect|cash" },
		  { 10, "withdraw*|withdrawl*|cash ~5 phone|mobile|ussd|"
			"<ussd>" },
		  { 8, "someone|somebody|friend|sister|brother|mother|"
		       "father|mum|mom|dad|wife|husband|son|daughter|"
		       "relative|family|he|she|they ~5 withdraw*|collect ~5 "
		       "atm|atms|cash|money" },
		  CT_END } },
	{ "banking_hours", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 15, "opening|closing|business|banking|working|office|"
			"operating|trading ~1 hours|hour|times|time" },
		  { 6, "hours" },
		  { 6, "your|bank's|branch|branches ~1 hours" },
		  /* Any shop opens and closes: a time, a day or a question
		   * counts only with the bank as the subject (below). */
		  { 4, "what|when ~5 open|opens|opening|close|closes|"
		       "closing|shut|shuts" },
		  { 10, "you|bank|banks|branch|branches|office|offices|it|"
			"they ~2 open|opened|closed|close|closes|closing|"
			"shut|shuts" },
		  { 5, "open|opens|close|closes|closed|shut ~3 today|"
			"tomorrow|tonight|now|saturday|saturdays|sunday|"
			"sundays|weekend|weekends|holiday|holidays|public|"
			"monday|tuesday|wednesday|thursday|friday|christmas|"
			"easter|lunch|lunchtime|late|early" },
		  { 4, "open|opens|close|closes|shut ~2 at|until|till|from" },
		  { 3, "saturday|saturdays|sunday|sundays|weekend|weekends|"
		       "holiday|holidays" },
		  { -15, "open|opening|close|closing|closed|opened ~3 "
			 "account|accounts|app|application" },
		  CT_END } },
	{ "fraud", 2, NULL,
	  (const struct ct_topics_phrase[]){
		  { 15, "fraud*|scam|scams|scammed|scammer|scammers|"
			"scamming|unauthori*|unauthoris*|hack|hacked|hacker|"
			"hackers|hacking|phishing|compromis*" },
		  { 12, "suspicious|suspect|clone|cloned|cloning|skimm*|"
			"impersonat*|pretend*|conned" },
		  { 8, "fake" },
		  { 15, "identity ~1 theft|thief|stolen" },
		  { 15, "stole|stolen|steal ~2 my ~1 identity" },
		  { 15, CT_NEG " ~2 recogni*|recogn*" },
		  { 15, "unrecogni*|unrecogn*|unknown|unfamiliar|strange|weird|"
			"odd|mysterious ~3 " CT_TXN },
		  { 12, CT_NEVER " ~2 " CT_DOVERB " ~4 this|that|these|"
			"those|it|them" },
		  { 12, CT_NEVER " ~2 " CT_DOVERB2 " ~4 " CT_TXN },
		  { 12, "did|have|had not ~2 " CT_DOVERB " ~4 this|that|"
			"these|those|it|them" },
		  { 12, "did|have|had not ~2 " CT_DOVERB2 " ~4 " CT_TXN },
		  { 12, CT_TXN " ~5 i|we ~1 " CT_NEVER " ~2 " CT_DOVERB2 },
		  { 12, CT_TXN " ~5 i|we ~1 did|have|had ~1 not ~2 "
			CT_DOVERB2 },
		  { 12, "someone|somebody|stranger|strangers|thief|thieves|"
			"criminal|criminals ~6 used|using|accessed|withdrew|"
			"withdrawn|spent|spending|charged|hacked" },
		  { -12, "stop|prevent|avoid|before ~3 someone|somebody|"
			 "anyone|others" },
		  { 12, "can't|cannot|don't|dont|not ~1 remember|recall ~3 "
			"doing|making|authori*|withdrawing|paying|buying" },
		  { 15, "without ~3 permission|consent|knowledge|authori*|"
			"approval|authoris*" },
		  { 12, "details|information|info|data|number ~3 stolen|"
			"leaked|compromis*|exposed|hacked" },
		  { 10, "stolen|leaked ~2 details|information|info|data|"
			"money|funds" },
		  { 10, "asked|asking|ask|asks|wanted ~4 for ~2 my ~1 pin|"
			"otp|password|passcode|code|details" },
		  { 10, CT_MONEY "|payment ~4 taken|missing|disappeared|"
			"gone|vanished|deducted|debited ~4 account|from|"
			"without|card|wallet" },
		  { 6, "report ~3 activity|transaction|transactions|charge|"
		       "charges" },
		  { 12, "not|isn't|wasn't|aren't|weren't ~1 mine|me" },
		  { 15, "not|never ~2 done|made|authori*|initiated|"
			"requested ~1 by ~1 me|us" },
		  { 12, "don't|dont|do ~1 not|know ~4 what ~4 " CT_TXN },
		  CT_END } },
	{ "card_lost_stolen", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 15, "lost|lose|losing|misplaced|misplace|stolen|stole|"
			"steal|missing ~4 card|cards|card's|wallet|purse" },
		  { 15, "card|cards|card's|wallet|purse ~4 lost|stolen|"
			"missing|gone|misplaced|robbed" },
		  { 12, "can't|cant|cannot|couldn't|couldnt|not|unable ~2 "
			"find|locate ~3 card|cards|card's|wallet|purse" },
		  { 10, "robbed|mugged|pickpocket*|pickpocketed" },
		  { 12, "report ~3 lost|stolen|missing" },
		  { -12, "card|cards|card's ~1 details|detail|number|"
			 "numbers|info|information|data" },
		  { -12, "found" },
		  CT_END } },
	{ "card_blocked", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 12, "block|blocked|blocking|unblock|unblocked|"
			"unblocking|freeze|frozen|froze|freezing|unfreeze|"
			"unfrozen|suspend|suspended|deactivate|deactivated|"
			"disable|disabled|lock|locked|stop|stopped|cancel|"
			"cancelled|canceled|hold|pause ~4 card|cards|card's" },
		  { 12, "card|cards|card's ~8 blocked|frozen|suspended|"
			"deactivated|disabled|locked|restricted|stopped|"
			"cancelled|canceled|declined|rejected|refused|"
			"denied|retained|blocking" },
		  { 12, "block|blocked|blocking|unblock|unblocked|"
			"unblocking|freeze|frozen|froze|freezing|unfreeze|"
			"unfrozen|suspend|suspended|lock|locked|stop|hold|"
			"restrict|restricted|pause ~8 account|accounts|"
			"banking" },
		  { 12, "turn|switch ~1 off ~3 account|accounts|card|cards|"
			"card's" },
		  { 10, "can't|cant|cannot|unable|not ~2 access|get ~1 into "
			"~2 my ~2 account|accounts" },
		  { 12, "account|accounts ~4 block|blocked|frozen|suspended|"
			"locked|restricted|hold|holds" },
		  { 12, "payment|payments|purchase|purchases|transaction|"
			"transactions ~4 declined|rejected|refused|denied|"
			"failed" },
		  { 12, "declined|decline|declines|declining|rejected|"
			"rejects|rejecting|refused|refuses|denied ~4 card|"
			"cards|card's|payment|payments|purchase|purchases|"
			"transaction" },
		  { 8, "declined|decline|declines|declining|rejected|refused" },
		  { 10, "card|cards|card's ~4 work|working|fix|fixed" },
		  { 12, "card|cards|card's ~5 " CT_NEG " ~2 work|working|"
			"works|function|functioning|accepted" },
		  { 12, "card|cards|card's ~4 stopped|stop|quit ~1 working|"
			"work" },
		  { 12, "can't|cant|cannot|couldn't|couldnt|not|unable ~3 "
			"use|pay ~3 card|cards|card's" },
		  { 12, "contactless" },
		  { 10, "broken|broke|faulty|malfunction* ~3 card|cards|"
			"card's" },
		  { 10, "card|cards|card's ~3 broken|broke|faulty|"
			"malfunction*" },
		  CT_END } },
	{ "card_new", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 12, "new|replacement|another|spare|extra|second|"
			"additional|physical|plastic|virtual|disposable|"
			"actual|real ~2 card|cards|card's" },
		  { 18, "replace|replaces|replacing|replaced|reissue|"
			"reissued|renew|renewal|renewed ~4 card|cards|card's" },
		  { 12, "new ~1 one ~4 arrive|arrives|come|comes|ready|take|"
			"takes|delivered" },
		  { 18, "card|cards|card's ~3 replacement|replacements|"
			"replaced|renewal|renewed|reissued|replace" },
		  { 10, "get|getting|obtain|receive ~2 a|an ~1 card" },
		  { 12, "when|soon|long|quickly|fast|earliest|date ~6 get|"
			"receive|have|expect ~3 card|cards|card's" },
		  { 8, "delivered|deliver|delivery|deliveries|shipping|"
		       "tracking" },
		  { 12, "how ~1 long|many|soon ~4 deliver*|delivery|"
			"deliveries|ship|shipped|shipping" },
		  { 10, "sent|send|posted|mailed ~3 out|my|the ~2 card|"
			"cards|card's" },
		  { 10, "activat*" },
		  { 10, "active ~2 card|cards|card's" },
		  { 10, "brand|brands|type|types|kind|kinds ~3 card|cards|"
			"card's|creditcard" },
		  { 10, "link|linking|linked|connect|connecting|add|adding "
			"~3 it ~3 app" },
		  { 6, "application|applications" },
		  { 15, "get|order|need|want|issue|send|make ~3 a|the ~1 "
			"new|replacement|another ~1 one" },
		  { 10, "applied ~2 for" },
		  { 10, "found ~4 card|cards|card's|it" },
		  { 12, "link|linking|linked|add|adding|put|get ~3 card|"
			"cards|card's ~3 app|account" },
		  { 12, "order|ordering|ordered|apply|applying|applied|"
			"application|request|requesting|requested ~4 card|"
			"cards" },
		  { 12, "card|cards|card's ~3 application|applications|"
			"order|orders" },
		  { 12, "card|cards|card's ~6 arrive|arrived|arriving|"
			"arrival|delivered|delivery|deliver|mail|mailed|"
			"post|posted|shipped|shipping|dispatch*|come|coming|"
			"came|track|tracking|shown|here|route" },
		  { 12, "arrive|arrival|deliver*|mail|mailed|ship|shipped|"
			"shipping|dispatch*|track ~6 card|cards|card's" },
		  { 10, "waiting|wait ~4 card|cards|card's" },
		  { 10, CT_NEG " ~2 received|receive|got|gotten|get|arrived "
			"~3 card|cards|card's" },
		  { 15, "activat*|reactivat* ~3 card|cards|card's" },
		  { 15, "card|cards|card's ~3 activat*|reactivat*" },
		  { 6, "expir*" },
		  { 12, "card|cards|card's|it ~6 expir*" },
		  { 12, "expir* ~6 card|cards|card's" },
		  { 10, "card|cards|card's ~3 end ~1 date|month" },
		  { 15, "damaged|damage|destroyed|bent|cracked|scratched|"
			"snapped|melted|ruined|chipped|worn|torn|shredded|"
			"chewed|split|demagneti*|burned|burnt|peeling|"
			"erased|wiped ~4 card|cards|card's" },
		  { 15, "card|cards|card's ~4 damaged|damage|destroyed|bent|"
			"cracked|scratched|snapped|melted|ruined|chipped|"
			"worn|torn|shredded|chewed|split|demagneti*|burned|"
			"burnt|peeling|erased|wiped" },
		  { 12, "broke|broken|split|snapped|cut|cracked|torn ~3 in "
			"~1 half|two|pieces" },
		  { 10, "chip|strip|stripe ~3 damaged|broken|scratched|"
			"peeling|worn|work|working" },
		  { 10, "link|linking|linked|add|adding ~3 card|cards|card's" },
		  { 10, "mastercard|mastecard" },
		  { 10, "master card" },
		  { 10, "visa|amex ~3 mastercard|card|cards|card's|or|and" },
		  { 6, "american express" },
		  CT_END } },
	{ "pin", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 15, "pin|pins|pincode" },
		  { 12, "passcode|passcodes|password|passwords|passwd|"
			"passphrase" },
		  { 12, "pass code|codes" },
		  { 10, "forgot|forgotten|forget|forgetting|reset|remember|"
			"recover ~3 pin|password|passcode|code|pass" },
		  CT_END } },
	{ "fees", 1, NULL,
	  (const struct ct_topics_phrase[]){
		  { 15, "fee|fees|commission|commissions|surcharge*|"
			"overcharg*|tariff*|pricing" },
		  { 10, "charge|charges|charged|charging" },
		  { 10, "cost|costs|costing|price|prices|priced" },
		  { 10, "expensive" },
		  { 8, "cheap|cheaper|cheapest|affordable" },
		  { 12, "how much ~4 cost|costs|charge|charges|charged|"
			"deduct|deducted" },
		  { -10, "bill|bills ~4 cost|costs|costing" },
		  { -10, "cost|costs|costing ~4 bill|bills" },
		  { -10, "exchange ~1 rate|rates" },
		  { 10, "discount|discounts" },
		  { 12, "does|do|will|would|is|are|there ~5 cost|costs|"
			"charge|charges|charged" },
		  { 8, "free" },
		  { 10, "for ~1 free" },
		  { 10, "free ~1 of ~1 charge" },
		  { 8, "extra|additional|hidden ~3 " CT_MONEY "|pound|"
		       "pounds|euro|euros|charge|charges|amount" },
		  { 8, "tax|taxes|levy|imtt" },
		  { -15, "school|tuition|university|college|exam|exams|"
			 "examination|hospital|medical|legal|court|doctor's|"
			 "doctor ~1 fees|fee" },
		  { -10, "charged|charge|billed ~3 twice|double|again|"
			 "duplicate*" },
		  CT_END } },
	{ "refunds", 1, NULL,
	  (const struct ct_topics_phrase[]){
		  { 15, "refund*" },
		  { 12, "money|cash|funds|payment ~2 back" },
		  { 15, "charged|billed|debited|deducted|taken ~4 twice|"
			"double|again|duplicate*" },
		  { 15, "paid ~3 twice|double|duplicate*" },
		  { 15, "double|duplicate*|duplicated ~2 charge|charges|"
			"charged|payment|payments|transaction|transactions|"
			"debit|debits" },
		  { 12, "multiple|two|three|several|many|duplicate ~1 "
			"charges|payments|transactions|debits" },
		  { 12, "charged|billed|debited|paid|taken|showing|appears|"
			"shows ~4 multiple|two|three|several|many ~1 times" },
		  { 12, "back ~2 money|cash|funds" },
		  { 10, "same ~1 charge|charges|payment|payments|"
			"transaction|transactions|purchase" },
		  { 12, "more than once|twice" },
		  { 12, "return|returned|returning ~4 item|items|product|"
			"products|purchase|purchases|goods|order|parcel" },
		  { 12, "cancel|cancelled|canceled|cancelling|canceling ~4 "
			"purchase|purchases|order|orders|subscription|"
			"subscriptions" },
		  { 10, "faulty|defective|broken ~3 product|item|goods|"
			"order|purchase" },
		  { 8, "seller|merchant|shop|store|vendor ~6 back|return*|"
		       "cancel*" },
		  { 10, "dispute|disputes|disputed|disputing|chargeback|"
			"chargebacks" },
		  { 10, "charge back" },
		  { 10, "reverse|reversal|reversed|reversing ~4 payment|"
			"charge|deduction|purchase" },
		  CT_END } },
	{ "exchange_rates", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 20, "exchange|conversion|forex|fx ~1 rate|rates" },
		  { 8, "exchange|exchanges|exchanging|exchanged" },
		  { 10, "exchange|exchanges|exchanging|exchanged|convert|"
			"converting|conversion|converted ~4 money|cash|funds|"
			"currency|currencies|" CT_FXPAIR },
		  { 10, "currency|currencies|forex|fx|foreign" },
		  { 6, "convert|converting|conversion|converted" },
		  { 6, "rate|rates" },
		  { -16, "interest ~1 rate|rates" },
		  { 4, CT_FX },
		  { 10, CT_FXPAIR " ~5 " CT_FXPAIR },
		  { 10, "how many|much ~1 " CT_FX },
		  { 12, "rate|rates|price|worth|buying|selling ~4 " CT_FXPAIR },
		  { 10, "buy|sell ~3 " CT_FX },
		  { 8, "wrong|bad|incorrect|poor|different|unfair|better ~3 "
		       "rate|rates" },
		  { 10, "black|parallel|official|interbank|bank ~1 rate|"
			"rates|market" },
		  CT_END } },
	{ "loans", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 15, "loan|loans" },
		  { 12, "borrow|borrowing|borrowed|lend|lending|lender" },
		  { 12, "mortgage*|overdraft*" },
		  { 15, "credit ~1 limit|limits|score|scores|rating|ratings|"
			"history|report|line|bureau|worthiness|check" },
		  { 15, "apr" },
		  { 12, "interest" },
		  { 10, "repay|repayment|repayments|repaying|installment*|"
			"instalment*" },
		  { 12, "increase|raise|higher|lower|decrease|change|extend "
			"~4 limit|limits" },
		  { 12, "limit|limits ~4 increase|increased|raise|raised|"
			"higher|lower|decrease|decreased|changed|extended" },
		  { 10, "limit|limits ~5 card|cards|card's|visa|mastercard|"
			"amex|credit" },
		  { 12, "spending ~1 limit|limits" },
		  { 12, "build|improve|boost|raise|repair|fix|maintain|good|"
			"bad|poor|hurt|damage|affect|ruin ~3 credit" },
		  { 12, "credit ~3 fall|falls|drop|drops|dropping|going|"
			"hurt|down|up|good|bad" },
		  { 5, "score|scores" }, /* of a match, an exam: not alone */
		  { 8, "salary ~3 advance|based|backed" },
		  CT_END } },
	{ "bill_payment", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 12, "bill|bills|billing|biller|billers" },
		  { 15, "pay|paying|payment|payments ~4 " CT_BILLS },
		  /* Money paid to a person is a transfer, unless a bill is
		   * named ("pay my mom's electricity bill"): a small weight,
		   * so that a named bill is still mentioned. */
		  { -5, CT_PAY_PERSON },
		  { -5, CT_PAY_TO_PERSON },
		  { 12, "zesa|dstv|gotv|telone|zinwa|nyaradzo|utility|"
			"utilities" },
		  { 12, "buy|buying|purchase ~3 electricity|zesa|units|"
			"tokens" },
		  { 8, "electricity" },
		  { 6, "due" },
		  { 12, "due ~1 date|dates" },
		  { 10, "bill|bills|payment|payments|card|cards|card's|loan|"
			"rent|mortgage|installment ~4 due" },
		  { 10, "when ~3 owe" },
		  { 10, "what ~1 day|date ~4 pay" },
		  { 10, "next ~2 payment|payments|bill|installment|"
			"instalment" },
		  { 12, "minimum ~3 payment|due|amount|pay|balance" },
		  { 8, "owe|owed|owing" },
		  { 12, "school fees" },
		  { 8, "direct debit|debits" },
		  { 8, "debit|stop|standing ~1 order|orders" },
		  CT_END } },
	{ "top_up", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 15, "top|topping|topped|tops ~1 up|off|ups" },
		  { 15, "topup|topups" },
		  { 12, "add|adding|added|load|loading|loaded|put|putting "
			"~3 money|funds|cash|credit" },
		  { 15, "airtime|recharge|recharging" },
		  { 12, "buy|buying|purchase ~3 data|bundle|bundles" },
		  { 10, "auto ~2 top" },
		  { 6, "wallet|ewallet" },
		  CT_END } },
	{ "cash_deposit", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 12, "deposit|deposits|deposited|depositing|lodge|lodged|"
			"lodgement|lodgment" },
		  { -12, "direct ~1 deposit|deposits|deposited|depositing" },
		  { 10, "cheque|cheques|check|checks ~3 deposit*|cleared|"
			"clear|clearing|bounced|bounce" },
		  { 10, "cheque|cheques" },
		  { 10, "sent|mailed|deposited|cashed|cash|post ~3 check|"
			"checks" },
		  { 8, "cash ~1 in|ins" },
		  CT_END } },
	{ "atm", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 12, "atm|atms|cashpoint|cashpoints" },
		  { 12, "cash|money ~1 machine|machines" },
		  { 10, "withdr*|withdrawl*|widthdraw*" },
		  { 10, "get|getting|got|take|taking|took|draw|drew ~2 cash|"
			"money ~2 out" },
		  { 10, "get|getting|take|taking ~1 out ~2 cash|money" },
		  { 8, "cashout" },
		  { 8, "cash out" },
		  { 12, "swallow*|retained|retain|ate|eaten|eats|eat|sucked|"
			"kept|took|taken|stuck|captured|trapped|confiscated|"
			"grabbed ~4 card|cards|card's" },
		  { 12, "card|cards|card's ~4 swallow*|retained|stuck|"
			"captured|trapped|eaten|confiscated" },
		  { 10, "dispens*" },
		  { 12, "amount ~2 of ~1 cash" },
		  { 10, "cash|money ~5 asked|requested" },
		  { 12, "atm|atms|withdraw*|withdrawal|withdrawl ~8 "
			"declined|rejected|refused|decline|declining|"
			"rejecting|declines" },
		  { 12, "declined|rejected|refused|decline|declining|"
			"rejecting|declines ~8 atm|atms|withdraw*|"
			"withdrawal|withdrawl" },
		  { 10, "wrong|incorrect|right|correct ~1 amount" },
		  CT_END } },
	{ "transfers", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 12, "transf*|tranf*|trasf*|trans" },
		  { -24, "transfer|transferred|transferring|connect|put ~2 "
			 "me|you ~3 to ~3 agent|agents|person|human|someone|"
			 "operator|representative|consultant|manager|"
			 "somebody|department" },
		  { 12, "send|sending|sent|remit|remitting|wire|wiring ~3 "
			"money|funds|cash|payment|it|rands|" CT_MONEY },
		  { 12, "move|moving|moved|shift|shifting ~4 money|funds|"
			"cash|savings|checking|<num>|dollars|usd" },
		  /* Paying a person ("pay my mom 200", "pay 200 to John"),
		   * not a bill for them ("pay my son's school fees", "pay
		   * rent to my landlord"), and paying a biller is not a
		   * transfer ("pay 200 to ZESA"). */
		  { 12, CT_PAY_PERSON },
		  { 12, CT_PAY_TO_PERSON },
		  { -12, CT_PAY_PERSON " ~4 " CT_BILLS },
		  { -12, CT_PAY " ~4 " CT_BILLS " ~4 <person>" },
		  { -12, CT_PAY " ~4 " CT_BILLERS },
		  { -24, CT_PAY " ~3 attention|visit|visits|respect|respects|"
			 "tribute|homage|compliment|compliments" },
		  { 12, "give|giving|gave ~1 <person> ~2 " CT_MONEY },
		  { 15, "zipit|rtgs|swift|sepa|wire|eft|interbank" },
		  { -15, "swift|bic|sort|branch ~1 code|codes" },
		  { 10, "beneficiary|beneficiaries|payee|payees|recipient|"
			"recipients|receiver" },
		  { 12, "ecocash|onemoney|telecash|innbucks|mukuru|"
			"worldremit|moneygram|mpesa|remittance|remittances|"
			"diaspora" },
		  { 12, "western union" },
		  { 12, "one money" },
		  { 12, "world remit" },
		  { 10, "another|other|different|external ~1 bank|banks|"
			"account|accounts" },
		  { 10, "receive|receiving|received|get|getting ~3 money|"
			"funds|payment|payments|salary|wages|transfer|"
			"transfers|remittance" },
		  { 10, "money|funds|transaction|transactions|salary|wages "
			"~4 received|arrive|arrived|reach|reached|show|"
			"showing|shown|reflect*" },
		  { 8, "salary|salaries|wages|paycheck|paycheque|payroll|"
		       "paid" },
		  { -10, "money|cash|funds|payment ~1 back" },
		  { 15, "direct ~1 deposit|deposits|deposited|depositing" },
		  { 10, "paycheck|paychecks|salary|wages ~4 directly|into|"
			"deposited" },
		  { 10, "transaction|transactions ~6 cancel|revert|reverse|"
			"undo|stop" },
		  { 10, "cancel|cancelling|canceling|stop|recall|revert|"
			"undo|reverse ~4 transaction|transactions|transfer" },
		  /* not "wrong number" alone: on a call that is a misdial */
		  { 10, "wrong|incorrect ~2 account|person|recipient|"
			"beneficiary" },
		  { 10, "wrong|incorrect ~2 account number" },
		  CT_END } },
	{ "card_payments", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 10, "pending" },
		  { 12, "card|cards|card's ~1 payment|payments|purchase|"
			"purchases|transaction|transactions" },
		  { 10, "pay|paying|paid|purchase|buy|bought|shop|shopping "
			"~3 with|by|using ~2 card|cards|card's" },
		  { 10, "where|anywhere|everywhere|which|what ~5 accept|"
			"accepts|accepted|take|takes|use ~3 card|cards|"
			"card's|it" },
		  { 10, "businesses|shops|stores|merchants|places|retailers "
			"~4 accept|accepts|take|takes" },
		  { 10, "card|cards|card's ~4 accepted|acceptance" },
		  { 20, "apple|google|samsung|garmin|fitbit|android ~1 pay|"
			"wallet|watch" },
		  { 20, "gpay|applepay|googlepay" },
		  { 10, "payment|payments|purchase|purchases ~6 through|"
			"thru|processed|clear|cleared|posted|complete|"
			"completed" },
		  { 10, "payment|payments|purchase|purchases ~4 reverted|"
			"reversed|cancelled|canceled|returned|back" },
		  { 8, "reverted" },
		  { 8, "pos|swipe|swiping|merchant|merchants" },
		  { 6, "online ~2 payment|payments|purchase|purchases|"
		       "shopping|transaction|transactions" },
		  CT_END } },
	{ "statements", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 12, "statement|statements" },
		  { 12, "transaction|transactions|account|payment|purchase "
			"~1 history|histories|list|records|record|log" },
		  { 10, "history" },
		  { -12, "credit ~1 history" },
		  { 12, "spent|spending|expenditure|expenses" },
		  { 6, "spend" },
		  { 12, "how much ~4 spend|spent" },
		  { -12, "spending|spend ~1 limit|limits|money ~1 limit" },
		  { 10, "show|list|see|view|tell|display|print|recent|last|"
			"latest|previous|all|check|get|know|find|pull ~4 "
			"transactions|transaction|purchases|payments|debits|"
			"credits|charges" },
		  { 10, "proof ~2 account|banking|payment" },
		  { 10, "transactions ~3 for|on|in|from ~3 last|past|this|"
			"month|week|days|yesterday|today" },
		  { 10, "what|which ~1 transactions|purchases|payments" },
		  CT_END } },
	{ "balance", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 12, "balance|balances" },
		  { -12, "bill|bills|rewards|reward|points|pto|vacation|"
			 "leave|loan|mortgage|minimum ~2 balance|balances" },
		  { -12, "balance ~2 transfer|transfers" },
		  { 12, "how much ~4 money|cash|funds ~3 in|on|have|left|"
			"got|available|remaining" },
		  { 12, "how much ~3 in|on|have ~4 account|accounts|card|"
			"wallet|bank|savings|checking|current" },
		  { 12, "enough|sufficient|insufficient ~2 money|funds|cash|"
			"balance" },
		  { 12, "enough ~1 in|on ~3 account|accounts|savings|"
			"checking|current|card|wallet" },
		  { 10, "money|funds|cash ~3 left|remaining|available" },
		  { 10, "total ~3 account|accounts" },
		  { 10, "net worth" },
		  { 8, "check|checking|see|view|know ~3 my ~2 account|"
		       "accounts" },
		  CT_END } },
	{ "mobile_banking", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 10, "app|apps" },
		  { 15, "mobile|internet|online|web|net|phone|cellphone|sms|"
			"e ~1 banking" },
		  { 15, "ebanking|ussd" },
		  { 6, "<ussd>" },
		  { 6, "star ~4 hash" },
		  { 10, "dial|dialling|dialing|dialled|dialed ~2 <ussd>|star" },
		  { 10, "log|logging|logged|sign|signing ~1 in|on|into" },
		  { 10, "login|logon|signin" },
		  { 15, "locked|lock ~2 out" },
		  { 10, "crash|crashes|crashing|crashed" },
		  { 8, "install*|uninstall*|reinstall*|download*" },
		  { 12, "register|registering|registration|registered|"
			"enrol*|sign ~4 mobile|internet|online|ussd|app|"
			"banking" },
		  { 15, "lost|stolen|stole|new|replaced|changed|change|broken|"
			"broke|misplaced ~3 " CT_PHONE },
		  { 12, CT_PHONE " ~4 lost|stolen|missing|broken|replaced|"
			"changed|gone|left|taken|behind|stole" },
		  { 12, "left|forgot ~2 my ~1 " CT_PHONE },
		  { -15, "phone|cell|mobile|cellphone|contact ~1 number|"
			 "numbers" },
		  { 10, "sim|simcard|simcards" },
		  { 8, "otp|otps" },
		  { 8, "one time password|pin" },
		  { 8, "verification code|codes" },
		  { 4, "sms|sms's|texts" },
		  { 4, "text message|messages" },
		  CT_END } },
	{ "account_opening", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 15, "open|opening|create|creating|start|starting|setup|"
			"make ~4 account|accounts" },
		  { 15, "set up ~3 account|accounts" },
		  { 10, "new ~1 account|accounts" },
		  { 10, "signup|join|joining|become ~3 customer|member|bank|"
			"you" },
		  { 10, "sign up ~3 customer|member|bank|you|account" },
		  { 12, "account|accounts ~4 for ~3 " CT_KIN },
		  { 12, CT_KIN " ~4 account|accounts|account's" },
		  { 8, "age" },
		  { 12, "limit|limits|requirement|restriction|minimum ~3 age" },
		  { 10, "certain|specific|legal|right ~1 age" },
		  { 12, "age ~2 limit|limits|requirement*|restriction*|"
			"minimum" },
		  { 12, "underage" },
		  { 12, "minimum age" },
		  { 12, "old enough" },
		  { 12, "too young" },
		  { 12, "how old ~5 need|needs|must|required|have|should|"
			"open" },
		  { 10, "requirements|documents|docs ~6 open|account|"
			"accounts" },
		  { 8, "savings|current|student|business|joint|nostro|fca|"
		       "diaspora|kids|children's|youth ~1 account" },
		  CT_END } },
	{ "identity_verification", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 15, "verify|verifying|verification|verified|confirm|"
			"confirming|prove|proving|proof|check|checks ~3 "
			"identity|id|myself|identification" },
		  { 12, "identity|identification|kyc|identify|identifying" },
		  { 15, "identity|id|identification ~2 verification|verify|"
			"check|checks|proof" },
		  { 10, "who ~1 i ~1 am" },
		  { 12, CT_NEG "|unverified ~3 verify|verified|verifying|"
			"verification|identify|identified" },
		  { 10, "proof of ~2 residence|address|identity|id" },
		  { 8, "passport|passports|selfie" },
		  { 8, "national|id ~1 id|card|document|documents" },
		  { 12, "source of ~2 funds|money|income|wealth" },
		  { 12, "where ~4 money|funds ~2 from" },
		  { 12, "where ~4 money|funds ~2 come|came|coming|comes ~1 "
			"from" },
		  { 12, "verify|verifying|verification|check ~3 funds|money|"
			"income" },
		  { 10, "source|sources ~2 of|for" },
		  CT_END } },
	{ "account_closing", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 15, "close|closing|terminate|terminating|termination|"
			"delete|deleting|deletion|cancel|cancelling|"
			"canceling|cancellation|shut|shutting|end|quit|"
			"deactivate ~4 account|accounts|membership|"
			"relationship|profile" },
		  { 12, "account|accounts ~4 closed|closure|terminated|"
			"deleted|cancelled|canceled" },
		  { 10, "leave|leaving|quit|quitting|switch|switching ~3 "
			"bank|banks" },
		  CT_END } },
	{ "personal_details", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 12, "change|changing|changed|update|updating|updated|"
			"edit|editing|modify|modifying|correct|correcting|"
			"amend|amending ~4 name|surname|address|details|"
			"number|email|mail|information|info|contact|"
			"contacts|phone|birth|nationality|title|signature" },
		  { -12, "pin|account|card|routing|your ~1 number|name" },
		  { -12, "ai|system|assistant|bot|your|you ~1 name" },
		  { -12, "name ~4 call|calls|calling|address|refer|respond|"
			 "use" },
		  { -12, "call ~1 me" },
		  { 12, "personal|contact ~1 details|information|info|data|"
			"number" },
		  { 10, "new ~1 address|surname|email|number|name" },
		  { 10, "married|marriage|divorce|divorced|wedding|maiden" },
		  { 10, "misspelled|misspelt|typo|wrong|incorrect ~3 name|"
			"surname|address|birth" },
		  { 8, "moved|relocated ~3 house|home|address|place|city|"
		       "town" },
		  CT_END } },
	{ "account_details", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 15, "routing|iban|aba" },
		  { 15, "sort|swift|branch|bank|clearing|bic|transit ~1 "
			"code|codes|number" },
		  { 12, "what|what's|whats|where|find|need|know|give|tell|"
			"send|forgot|forgotten ~4 account|acc ~1 number|no|"
			"details" },
		  { 10, "bank|banking|account ~1 details" },
		  { 6, "account|acc ~1 number|numbers" },
		  CT_END } },
	{ "cheque_book", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 15, "cheque|check|cheques|checks ~1 book|books|booklet" },
		  { 15, "chequebook|chequebooks|checkbook|checkbooks" },
		  { 12, "order|ordering|need|new|more|out|print ~3 cheques|"
			"checks" },
		  CT_END } },
	{ "rewards", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 12, "reward|rewards|loyalty|cashback" },
		  { 12, "air ~1 miles" },
		  { 12, "cash back" },
		  { 12, "redeem|redeeming|redeemed|redemption" },
		  { 8, "points" },
		  { 12, "points ~4 card|cards|card's|earned|earn|balance|"
			"redeem|use|have|many|visa|mastercard|amex" },
		  { 12, "card|cards|card's|how ~1 points" },
		  CT_END } },
	{ "travel_notice", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 15, "travel|travelling|traveling|trip ~2 notice|notices|"
			"notification|notifications|note|plan|plans|advisory" },
		  { 10, "let ~3 bank|you|institution ~2 know|aware" },
		  { 10, "notify|inform|alert|tell|advise ~3 bank|bank's|"
			"institution|banks|you ~6 travel*|going|trip|abroad|"
			"away|leaving|visiting|be" },
		  { 10, "be|am|i'm|going|leaving|plan|planning ~2 travel|"
			"travelling|traveling|abroad|overseas|away" },
		  { 6, "travel|travelling|traveling|travels|trip|abroad|"
		       "overseas" },
		  { 12, "out ~1 of ~2 country|town" },
		  { 10, "bank ~3 needs|need|should|must ~2 know|notified" },
		  { 10, "tell|notify|inform|alert ~2 the|my ~1 bank" },
		  { 8, "going ~2 be ~1 in|abroad|away|out" },
		  CT_END } },
	{ "branches", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 12, "nearest|closest|near|nearby|local|find|where|"
			"locate|location|locations|address ~4 branch|"
			"branches|agent|agents" },
		  { 10, "where ~3 bank|bank's ~2 located|situated|based" },
		  { 6, "branch|branches" },
		  { 8, "branch|branches ~4 in|at|near|location|locations|"
		       "address|located|nearest" },
		  CT_END } },
};

#define CT_TOPICS_N (sizeof(ct_topics_table) / sizeof(ct_topics_table[0]))

/*
 * Banking evidence: words (and prefixes, "pre*") that name a bank's
 * products, money or what is done with it.  The model names a topic that
 * no rule mentions only when the utterance has one of them (or a USSD
 * code): thanks, greetings, small talk and complaints that name no service
 * ("you people are useless", "I've been waiting for ages") have none, even
 * when they are phrased like a banking complaint.  Generic words that
 * complaints and chatter share with banking requests ("bank", "help",
 * "problem", "wrong", "waiting", "long", "time", "number", "phone") are
 * left out on purpose.  Same syntax as a pattern's position.
 */
static const char *const ct_topics_evidence[] = {
	"account|accounts|account's|acc|acct|acount*|accnt*|savings|"
	"checking",
	"card|cards|card's|debit|credit|visa|mastercard|amex|contactless|"
	"pin|pins|pincode|passcode*|password*|otp|otps",
	"cheque*|checkbook*|chequebook*|checks",
	"money|cash|fund|funds|amount|amounts|payment*|pay|paid|paying|payed|"
	"payee*|transaction*|purchase*|spend|spent|spending",
	"deposit*|withdr*|widthdr*|atm|atms|atm's|cashpoint*|balance|balances",
	"fee|fees|charge|charges|charged|charging|overcharg*|surcharge*|"
	"commission*|cost|costs|costing|price|prices|pricing|tariff*",
	"refund*|reversal|reversed|dispute*|chargeback*|debited|credited|"
	"deducted",
	"transf*|tranf*|trasf*|zipit|rtgs|swift|iban|routing|sepa|wire|"
	"remit*|beneficiar*|salary|salaries|wages|paycheck*|payroll|"
	"ecocash|onemoney|telecash|innbucks|mukuru|worldremit|moneygram|mpesa",
	"banking|ebanking|app|apps|ussd|wallet|ewallet",
	"loan|loans|mortgage*|overdraft*|interest|apr|borrow*|lend|lending|"
	"repay*|limit|limits",
	"statement|statements|exchange*|currenc*|forex|fx|rate|rates|"
	"dollar|dollars|pound|pounds|" CT_FX,
	"bill|bills|billing|zesa|dstv|gotv|telone|zinwa|airtime|topup*|"
	"topped|topping|recharge*",
	"pending|declin*|blocked|block|unblock*|frozen|freeze|unfreeze|"
	"activat*|reactivat*|expir*|deliver|delivered|delivery",
	"fraud*|scam*|unauthori*|hacked|compromis*|stolen",
	"identity|identification|verif*|kyc|passport*|details|address|adress|"
	"surname|money's",
	"reward|rewards|redeem*|cashback",
};

#define CT_TOPICS_NEVIDENCE \
	(sizeof(ct_topics_evidence) / sizeof(ct_topics_evidence[0]))

_Static_assert(CT_TOPICS_N < CT_TOPICS_MAX, "at most 63 topics");

/*
 * How a summary names each topic mid-sentence ("User inquired about a
 * blocked card"), in the order of the table; schemas/topics.json's "name".
 */
static const char *const ct_topics_display_names[] = {
	"cardless withdrawal",
	"banking hours",
	"fraud",
	"a lost or stolen card",
	"a blocked card",
	"a new or replacement card",
	"their PIN",
	"fees",
	"a refund",
	"exchange rates",
	"loans",
	"paying a bill",
	"topping up",
	"a cash deposit",
	"ATMs",
	"money transfers",
	"card payments",
	"statements",
	"their balance",
	"online banking",
	"opening an account",
	"identity verification",
	"closing an account",
	"updating personal details",
	"account details",
	"a cheque book",
	"rewards",
	"a travel notice",
	"branches",
};

_Static_assert(sizeof(ct_topics_display_names) /
			       sizeof(ct_topics_display_names[0]) ==
		       CT_TOPICS_N,
	       "a display name per topic");

/*
 * Holding the line: a caller who asks the assistant to wait while they
 * fetch something ("hold on, let me find my card", "one moment, I'm
 * getting my ID") asks for nothing, though the words may be a bank's.  Such
 * an utterance has no banking evidence, so the model names no topic unless
 * a rule mentions one.  Compiled as the patterns of a pseudo-topic after
 * the taxonomy (index CT_TOPICS_HOLDING).
 */
#define CT_TOPICS_HOLDING CT_TOPICS_N
static const struct ct_topics_phrase ct_topics_holding[] = {
	{ 10, "hold|hang on" },
	{ -10, "hold|hang on ~2 account|accounts|card|cards|card's|money|"
	       "funds|payment|payments|transfer|transfers" },
	{ 10, "one|just ~1 moment|minute|second|sec|mo" },
	{ 10, "a moment|minute|sec|mo" },
	{ 10, "give me ~1 a|one ~1 moment|minute|second|sec|mo" },
	{ 10, "let me ~1 find|grab|fetch|look" },
	{ 10, "wait ~1 let me" },
	CT_END
};

/*
 * The compiled table.  Lexemes are the distinct alternatives of all
 * patterns (exact words, prefixes and the two classes); each lexeme lists
 * the patterns whose first position it can fill.  Sizes are fixed: the
 * table is static, and the unit tests fail if compiling it ever overflows.
 */
#define CT_TOPICS_MAX_PATTERNS 1024
#define CT_TOPICS_MAX_POS 4096
#define CT_TOPICS_MAX_ALTS 16384
#define CT_TOPICS_MAX_LEX 4096
#define CT_TOPICS_HASH 8192 /* power of two, > 2 * CT_TOPICS_MAX_LEX */
#define CT_TOPICS_POOL 32768
#define CT_TOPICS_MIN_PREFIX 3

enum {
	CT_TOPICS_LEX_USSD = 0,
	CT_TOPICS_LEX_NUM = 1,
	CT_TOPICS_LEX_PERSON = 2,
	CT_TOPICS_LEX_FIRST
};

struct ct_topics_lex {
	const char *s;
	uint32_t hash;
	uint16_t len;
	bool prefix;
	bool evidence; /* in ct_topics_evidence */
	uint32_t first; /* into ct_topics_c.starts */
	uint32_t n;
};

struct ct_topics_pos {
	uint32_t first_alt;
	uint16_t nalt;
	uint16_t gap; /* tokens allowed between the previous position and it */
};

struct ct_topics_pat {
	uint16_t topic;
	int16_t weight;
	uint32_t first_pos;
	uint16_t npos;
};

static struct {
	bool ok;
	uint64_t subsumes[CT_TOPICS_N];
	struct ct_topics_lex lex[CT_TOPICS_MAX_LEX];
	size_t nlex;
	uint16_t hash[CT_TOPICS_HASH]; /* lexeme index + 1, 0 = empty */
	struct ct_topics_pat pat[CT_TOPICS_MAX_PATTERNS];
	size_t npat;
	struct ct_topics_pos pos[CT_TOPICS_MAX_POS];
	size_t npos;
	uint16_t alt[CT_TOPICS_MAX_ALTS];
	size_t nalt;
	uint16_t starts[CT_TOPICS_MAX_ALTS]; /* pattern indexes by lexeme */
	char pool[CT_TOPICS_POOL];
	size_t npool;
	size_t prefix_min, prefix_max;
} ct_topics_c;

static pthread_once_t ct_topics_once = PTHREAD_ONCE_INIT;

#define CT_TOPICS_PREFIX_MIX 0x9e3779b9u

/* Lexeme index of (s, n, prefix) with hash h, or -1 when unknown. */
static int ct_topics_lookup(const char *s, size_t n, bool prefix, uint32_t h)
{
	size_t slot = h & (CT_TOPICS_HASH - 1);

	while (ct_topics_c.hash[slot]) {
		const struct ct_topics_lex *lx =
			&ct_topics_c.lex[ct_topics_c.hash[slot] - 1];

		if (lx->hash == h && lx->len == n && lx->prefix == prefix &&
		    memcmp(lx->s, s, n) == 0)
			return ct_topics_c.hash[slot] - 1;
		slot = (slot + 1) & (CT_TOPICS_HASH - 1);
	}
	return -1;
}

/* Lexeme index of one alternative of a pattern, added if new; -1 if full. */
static int ct_topics_intern(const char *s, size_t n)
{
	bool prefix = false;
	uint32_t h;
	int id;
	size_t slot;
	struct ct_topics_lex *lx;

	if (n == 6 && memcmp(s, "<ussd>", 6) == 0)
		return CT_TOPICS_LEX_USSD;
	if (n == 5 && memcmp(s, "<num>", 5) == 0)
		return CT_TOPICS_LEX_NUM;
	if (n == 8 && memcmp(s, "<person>", 8) == 0)
		return CT_TOPICS_LEX_PERSON;
	if (n > 1 && s[n - 1] == '*') {
		prefix = true;
		n--;
		if (n < CT_TOPICS_MIN_PREFIX)
			return -1;
	}
	if (n == 0 || n > CT_TEXT_TOKEN_MAX)
		return -1;
	h = ct_topics_fnv(CT_TOPICS_FNV0, s, n);
	if (prefix)
		h ^= CT_TOPICS_PREFIX_MIX;
	id = ct_topics_lookup(s, n, prefix, h);
	if (id >= 0)
		return id;
	if (ct_topics_c.nlex == CT_TOPICS_MAX_LEX ||
	    ct_topics_c.npool + n + 1 > CT_TOPICS_POOL)
		return -1;
	lx = &ct_topics_c.lex[ct_topics_c.nlex];
	memcpy(ct_topics_c.pool + ct_topics_c.npool, s, n);
	ct_topics_c.pool[ct_topics_c.npool + n] = '\0';
	lx->s = ct_topics_c.pool + ct_topics_c.npool;
	ct_topics_c.npool += n + 1;
	lx->hash = h;
	lx->len = (uint16_t)n;
	lx->prefix = prefix;
	if (prefix) {
		if (!ct_topics_c.prefix_min || n < ct_topics_c.prefix_min)
			ct_topics_c.prefix_min = n;
		if (n > ct_topics_c.prefix_max)
			ct_topics_c.prefix_max = n;
	}
	slot = h & (CT_TOPICS_HASH - 1);
	while (ct_topics_c.hash[slot])
		slot = (slot + 1) & (CT_TOPICS_HASH - 1);
	ct_topics_c.hash[slot] = (uint16_t)(ct_topics_c.nlex + 1);
	return (int)ct_topics_c.nlex++;
}

/* Compiles one pattern of topic t.  Returns 0, or -1 when it is malformed
 * or the fixed sizes are too small. */
static int ct_topics_compile_one(size_t t, const struct ct_topics_phrase *ph)
{
	const char *p = ph->pattern;
	struct ct_topics_pat *pt;
	unsigned gap = 0;

	if (ct_topics_c.npat == CT_TOPICS_MAX_PATTERNS)
		return -1;
	pt = &ct_topics_c.pat[ct_topics_c.npat];
	pt->topic = (uint16_t)t;
	pt->weight = (int16_t)ph->weight;
	pt->first_pos = (uint32_t)ct_topics_c.npos;
	pt->npos = 0;
	while (*p) {
		size_t wl = strcspn(p, " ");
		struct ct_topics_pos *ps;
		const char *a = p, *end = p + wl;

		if (wl == 0)
			return -1;
		if (p[0] == '~') {
			gap = (unsigned)strtoul(p + 1, NULL, 10);
			if (pt->npos == 0 || gap == 0 || gap > 16)
				return -1;
		} else {
			if (ct_topics_c.npos == CT_TOPICS_MAX_POS)
				return -1;
			ps = &ct_topics_c.pos[ct_topics_c.npos++];
			ps->first_alt = (uint32_t)ct_topics_c.nalt;
			ps->nalt = 0;
			ps->gap = (uint16_t)gap;
			gap = 0;
			while (a < end) {
				size_t al = strcspn(a, "|");
				int id;

				if (al > (size_t)(end - a))
					al = (size_t)(end - a);
				id = ct_topics_intern(a, al);
				/* No token is tried as "<person>" first: the
				 * lookup of every token would cost. */
				if (id < 0 ||
				    (id == CT_TOPICS_LEX_PERSON &&
				     pt->npos == 0) ||
				    ct_topics_c.nalt == CT_TOPICS_MAX_ALTS)
					return -1;
				ct_topics_c.alt[ct_topics_c.nalt++] =
					(uint16_t)id;
				ps->nalt++;
				a += al + (a + al < end);
			}
			pt->npos++;
		}
		p += wl;
		p += strspn(p, " ");
	}
	if (pt->npos == 0 || gap)
		return -1;
	ct_topics_c.npat++;
	return 0;
}

/* Marks the alternatives of s ("a|b|pre*") as banking evidence.  Returns
 * 0, or -1 when one is malformed or the fixed sizes are too small. */
static int ct_topics_compile_evidence(const char *s)
{
	while (*s) {
		size_t n = strcspn(s, "|");
		int id = ct_topics_intern(s, n);

		if (id < CT_TOPICS_LEX_FIRST)
			return -1;
		ct_topics_c.lex[id].evidence = true;
		s += n + (s[n] == '|');
	}
	return 0;
}

/* Builds ct_topics_c from ct_topics_table.  Returns 0, or -1 when a
 * pattern is malformed or the fixed sizes are too small. */
static int ct_topics_compile(void)
{
	size_t t, i, k, total = 0;

	ct_topics_c.nlex = CT_TOPICS_LEX_FIRST;
	for (t = 0; t < CT_TOPICS_N; t++) {
		const struct ct_topics_phrase *ph = ct_topics_table[t].phrases;

		for (; ph->pattern; ph++)
			if (ct_topics_compile_one(t, ph) < 0)
				return -1;
	}
	for (i = 0; ct_topics_holding[i].pattern; i++)
		if (ct_topics_compile_one(CT_TOPICS_HOLDING,
					  &ct_topics_holding[i]) < 0)
			return -1;
	for (i = 0; i < CT_TOPICS_NEVIDENCE; i++)
		if (ct_topics_compile_evidence(ct_topics_evidence[i]) < 0)
			return -1;
	for (t = 0; t < CT_TOPICS_N; t++) {
		const char *s = ct_topics_table[t].subsumes;

		while (s && *s) {
			size_t l = strcspn(s, " ");

			for (k = 0; k < CT_TOPICS_N; k++)
				if (strlen(ct_topics_table[k].id) == l &&
				    memcmp(ct_topics_table[k].id, s, l) == 0)
					break;
			if (k == CT_TOPICS_N || k == t)
				return -1;
			ct_topics_c.subsumes[t] |= UINT64_C(1) << k;
			s += l;
			s += strspn(s, " ");
		}
	}
	/* Index: the patterns that each lexeme can begin, grouped by lexeme. */
	for (i = 0; i < ct_topics_c.npat; i++) {
		const struct ct_topics_pos *ps =
			&ct_topics_c.pos[ct_topics_c.pat[i].first_pos];

		for (k = 0; k < ps->nalt; k++)
			ct_topics_c.lex[ct_topics_c.alt[ps->first_alt + k]].n++;
	}
	for (i = 0; i < ct_topics_c.nlex; i++) {
		ct_topics_c.lex[i].first = (uint32_t)total;
		total += ct_topics_c.lex[i].n;
		ct_topics_c.lex[i].n = 0;
	}
	if (total > CT_TOPICS_MAX_ALTS)
		return -1;
	for (i = 0; i < ct_topics_c.npat; i++) {
		const struct ct_topics_pos *ps =
			&ct_topics_c.pos[ct_topics_c.pat[i].first_pos];

		for (k = 0; k < ps->nalt; k++) {
			uint16_t id = ct_topics_c.alt[ps->first_alt + k];
			struct ct_topics_lex *lx = &ct_topics_c.lex[id];

			ct_topics_c.starts[lx->first + lx->n++] = (uint16_t)i;
		}
	}
	return 0;
}

/* True when the text between two tokens ends a sentence. */
static bool ct_topics_sentence_break(const char *text, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		char c = text[i];

		if (c == '?' || c == '!' || c == ';')
			return true;
		if (c == '.' && (i + 1 >= to || text[i + 1] == ' ' ||
				 text[i + 1] == '\n' || text[i + 1] == '\t' ||
				 text[i + 1] == '\r'))
			return true;
	}
	return false;
}

/* True when the number token tok is an amount of money: "$20", "£5",
 * "€1.50" (the sign is not part of the token). */
static bool ct_topics_amount(const char *text, const struct ct_text_token *tok)
{
	const unsigned char *u = (const unsigned char *)text;
	size_t at = tok->start;

	return (at >= 1 && u[at - 1] == '$') ||
	       (at >= 2 && u[at - 2] == 0xC2 && u[at - 1] == 0xA3) ||
	       (at >= 3 && u[at - 3] == 0xE2 && u[at - 2] == 0x82 &&
		u[at - 1] == 0xAC);
}

/* True when token tok fills lexeme id. */
static bool ct_topics_fills(const struct ct_text_token *tok, uint16_t id)
{
	const struct ct_topics_lex *lx = &ct_topics_c.lex[id];

	if (id == CT_TOPICS_LEX_USSD)
		return tok->s[0] == '*';
	if (id == CT_TOPICS_LEX_NUM)
		return tok->s[0] >= '0' && tok->s[0] <= '9';
	if (id == CT_TOPICS_LEX_PERSON)
		return ct_topics_model_person(tok->s, strlen(tok->s));
	if (lx->prefix)
		return strncmp(tok->s, lx->s, lx->len) == 0;
	return strcmp(tok->s, lx->s) == 0;
}

/* True when positions k.. of pattern pt match after token `prev`. */
static bool ct_topics_match_rest(const struct ct_text_tokens *toks,
				 const char *text,
				 const struct ct_topics_pat *pt, size_t k,
				 size_t prev)
{
	const struct ct_topics_pos *ps;
	size_t j, a;

	if (k == pt->npos)
		return true;
	ps = &ct_topics_c.pos[pt->first_pos + k];
	for (j = prev + 1; j < toks->n && j <= prev + 1 + ps->gap; j++) {
		if (ct_topics_sentence_break(text, toks->v[j - 1].end,
					     toks->v[j].start))
			return false;
		for (a = 0; a < ps->nalt; a++)
			if (ct_topics_fills(&toks->v[j],
					    ct_topics_c.alt[ps->first_alt + a]))
				break;
		if (a < ps->nalt &&
		    ct_topics_match_rest(toks, text, pt, k + 1, j))
			return true;
	}
	return false;
}

/* What the rules find in one utterance. */
struct ct_topics_found {
	int scores[CT_TOPICS_MAX];
	uint64_t set;       /* topics mentioned (after subsumption) */
	uint64_t ruled_out; /* topics whose negative pattern matched */
	bool evidence;      /* a banking term (ct_topics_evidence), and the
			     * caller is not holding the line */
};

/* Adds the patterns that lexeme id begins at token i to fd's scores. */
static void ct_topics_try(const struct ct_text_tokens *toks, const char *text,
			  size_t i, int id, uint64_t *seen,
			  struct ct_topics_found *fd)
{
	const struct ct_topics_lex *lx = &ct_topics_c.lex[id];
	uint32_t k;

	for (k = 0; k < lx->n; k++) {
		uint16_t p = ct_topics_c.starts[lx->first + k];
		const struct ct_topics_pat *pt = &ct_topics_c.pat[p];

		if (seen[p / 64] & (UINT64_C(1) << (p % 64)))
			continue;
		if (ct_topics_match_rest(toks, text, pt, 1, i)) {
			seen[p / 64] |= UINT64_C(1) << (p % 64);
			fd->scores[pt->topic] += pt->weight;
			if (pt->weight < 0)
				fd->ruled_out |= UINT64_C(1) << pt->topic;
		}
	}
}

/*
 * Scores every topic for the tokens of text (toks already holds them) into
 * fd (all but fd->set), with whether a token is banking evidence
 * (ct_topics_evidence, a USSD code or an amount of money).  Each token is
 * looked up whole and by each of its prefixes that some pattern or
 * evidence word uses, so the cost grows with the utterance, not with the
 * table.
 */
static void ct_topics_score(const struct ct_text_tokens *toks, const char *text,
			    struct ct_topics_found *fd)
{
	uint64_t seen[CT_TOPICS_MAX_PATTERNS / 64] = { 0 };
	size_t i, l;

	memset(fd, 0, sizeof(*fd));
	for (i = 0; i < toks->n; i++) {
		const char *s = toks->v[i].s;
		size_t n = strlen(s);
		uint32_t h = CT_TOPICS_FNV0;
		int id;

		if (s[0] == '*') {
			fd->evidence = true;
			ct_topics_try(toks, text, i, CT_TOPICS_LEX_USSD, seen,
				      fd);
		} else if (s[0] >= '0' && s[0] <= '9') {
			fd->evidence |= ct_topics_amount(text, &toks->v[i]);
			ct_topics_try(toks, text, i, CT_TOPICS_LEX_NUM, seen,
				      fd);
		}
		for (l = 1; l <= n && l <= ct_topics_c.prefix_max; l++) {
			h = ct_topics_fnv(h, s + l - 1, 1);
			if (l < ct_topics_c.prefix_min)
				continue;
			id = ct_topics_lookup(s, l, true,
					      h ^ CT_TOPICS_PREFIX_MIX);
			if (id >= 0) {
				fd->evidence |= ct_topics_c.lex[id].evidence;
				ct_topics_try(toks, text, i, id, seen, fd);
			}
		}
		if (n > ct_topics_c.prefix_max)
			h = ct_topics_fnv(h, s + l - 1, n - (l - 1));
		id = ct_topics_lookup(s, n, false, h);
		if (id >= 0) {
			fd->evidence |= ct_topics_c.lex[id].evidence;
			ct_topics_try(toks, text, i, id, seen, fd);
		}
	}
}

/*
 * How the rules and the model decide (ct_topics_choose()).  The model's
 * posteriors are calibrated (tools/train_topics.py), so these are
 * probabilities; docs/text-rules-topics.md gives how they were chosen.
 */
/* Posterior a topic needs when the rules did not mention it: more likely
 * than not. */
#define CT_TOPICS_MIN_P 0.5
/* Posterior of "none" from which the model overrules the rules' mention of
 * a topic (a non-banking question that shares a bank word: "what ACT score
 * do I need"), unless the mention scores CT_TOPICS_SURE_SCORE or more (two
 * patterns agree, or a term that means the topic on its own). */
#define CT_TOPICS_VETO_P 0.9
#define CT_TOPICS_SURE_SCORE 25
/* Log-posterior added to each topic the rules mention, and per level of
 * its priority (fees and refunds 1, fraud 2). */
#define CT_TOPICS_MENTION_BONUS 1.5
#define CT_TOPICS_PRIORITY_BONUS 2.0
/* Posterior a topic that no rule mentions needs to become a call's
 * primary intent (when no turn has a mentioned one). */
#define CT_TOPICS_PRIMARY_P 0.8

/* Compiles the rules and loads the model, once per process. */
static void ct_topics_init(void)
{
	ct_topics_c.ok = ct_topics_compile() == 0 &&
			 ct_topics_model_load(ct_topics_find) == 0;
}

static bool ct_topics_ready(void)
{
	return pthread_once(&ct_topics_once, ct_topics_init) == 0 &&
	       ct_topics_c.ok;
}

/* The topics mentioned, given the scores, after subsumption. */
static uint64_t ct_topics_set(const int scores[CT_TOPICS_MAX])
{
	uint64_t set = 0, hidden = 0;
	size_t t;

	for (t = 0; t < CT_TOPICS_N; t++)
		if (scores[t] >= CT_TOPICS_THRESHOLD) {
			set |= UINT64_C(1) << t;
			hidden |= ct_topics_c.subsumes[t];
		}
	return set & ~hidden;
}

/* The best topic of set (highest priority, then highest score, then
 * earliest), or -1. */
static int ct_topics_best(uint64_t set, const int scores[CT_TOPICS_MAX])
{
	int best = -1;
	size_t t;

	for (t = 0; t < CT_TOPICS_N; t++) {
		int pt, pb;

		if (!(set >> t & 1))
			continue;
		pt = ct_topics_table[t].priority;
		pb = best < 0 ? 0 : ct_topics_table[best].priority;
		if (best < 0 || pt > pb ||
		    (pt == pb && scores[t] > scores[best]))
			best = (int)t;
	}
	return best;
}

/* What ct_topics_choose() decided for one utterance. */
struct ct_topics_verdict {
	int topic;   /* the intent, or -1 */
	bool strong; /* the rules mention it */
	double p;    /* the model's posterior of the intent (1: rules only) */
};

/*
 * The intent of one utterance, given what the rules found and the model's
 * posteriors:
 *   - the rules' best topic when the model has no class for it (topics the
 *     data sets lack: cardless_withdrawal, banking_hours, branches);
 *   - none when the rules mention topics but the model gives "none"
 *     CT_TOPICS_VETO_P or more, unless the rules are sure of their best;
 *   - otherwise the topic with the highest log-posterior, plus
 *     CT_TOPICS_MENTION_BONUS and CT_TOPICS_PRIORITY_BONUS per level of
 *     priority when the rules mention it (a fee, a refund and above all
 *     fraud are what a caller who names them calls about); a topic they do
 *     not mention needs a posterior of
 *     CT_TOPICS_MIN_P and, when they mention nothing, banking evidence, and
 *     is never one a negative pattern ruled out ("school fees" are not
 *     fees).  None when no topic qualifies.
 */
static void ct_topics_choose(const struct ct_topics_found *fd,
			     const double post[CT_TOPICS_MAX_CLASSES],
			     struct ct_topics_verdict *v)
{
	int rules = ct_topics_best(fd->set, fd->scores), best = -1;
	size_t c, ncls = ct_topics_model_classes();
	double best_s = -HUGE_VAL;

	v->topic = -1;
	v->strong = false;
	v->p = post[0];
	if (rules >= 0 && ct_topics_model_class((size_t)rules) < 0) {
		v->topic = rules;
		v->strong = true;
		v->p = 1;
		return;
	}
	if (rules >= 0 && post[0] >= CT_TOPICS_VETO_P &&
	    fd->scores[rules] < CT_TOPICS_SURE_SCORE)
		return;
	for (c = 1; c < ncls; c++) {
		int t = ct_topics_model_topic(c);
		bool mentioned = fd->set >> t & 1;
		double s = log(fmax(post[c], 1e-300));

		if (!mentioned &&
		    (post[c] < CT_TOPICS_MIN_P || fd->ruled_out >> t & 1 ||
		     !(fd->set || fd->evidence)))
			continue;
		if (mentioned)
			s += CT_TOPICS_MENTION_BONUS +
			     CT_TOPICS_PRIORITY_BONUS *
				     ct_topics_table[t].priority;
		if (s > best_s) {
			best_s = s;
			best = (int)c;
		}
	}
	if (best < 0)
		return;
	v->topic = ct_topics_model_topic((size_t)best);
	v->strong = fd->set >> v->topic & 1;
	v->p = post[best];
}

/* Runs the rules on the tokens of text in toks into fd. */
static void ct_topics_rules(const struct ct_text_tokens *toks,
			    const char *text, struct ct_topics_found *fd)
{
	ct_topics_score(toks, text, fd);
	fd->set = ct_topics_set(fd->scores);
	if (fd->scores[CT_TOPICS_HOLDING] >= CT_TOPICS_THRESHOLD)
		fd->evidence = false;
}

/*
 * Tokenizes text into toks (reset first) and runs the rules into fd.
 * Returns 0, or -1 when the tables are broken or memory runs out.
 */
static int ct_topics_scan(const char *text, size_t len,
			  struct ct_text_tokens *toks,
			  struct ct_topics_found *fd)
{
	ct_text_tokens_reset(toks);
	if (!ct_topics_ready() || ct_text_tokenize(text, len, toks) < 0)
		return -1;
	ct_topics_rules(toks, text, fd);
	return 0;
}

/* Runs the model on toks (scanned into fd) and decides their intent. */
static void ct_topics_decide_one(const struct ct_text_tokens *toks,
				 const struct ct_topics_found *fd,
				 struct ct_topics_verdict *v)
{
	double post[CT_TOPICS_MAX_CLASSES];

	ct_topics_model_posterior(toks, post);
	ct_topics_choose(fd, post, v);
}

/*
 * Decides the intent of the utterance text (tokens toks, scanned into fd).
 * A caller's turn often holds several sentences, and chatter ("Hi, this is
 * Sarah, I'm on my work computer.") can outweigh a request in the model's
 * view of the whole turn.  So when the whole has no intent, each sentence
 * is decided alone, and the turn's intent is the first sentence's that the
 * rules mention, else the first sentence's at all.
 */
static void ct_topics_decide(const struct ct_text_tokens *toks,
			     const char *text, const struct ct_topics_found *fd,
			     struct ct_topics_verdict *v)
{
	struct ct_topics_verdict weak = { .topic = -1 };
	size_t a = 0, b;

	ct_topics_decide_one(toks, fd, v);
	if (v->topic >= 0)
		return;
	for (b = 1; b <= toks->n; b++) {
		struct ct_text_tokens sent;
		struct ct_topics_found sfd;

		if (b < toks->n &&
		    !ct_topics_sentence_break(text, toks->v[b - 1].end,
					      toks->v[b].start))
			continue;
		if (a == 0 && b == toks->n)
			return; /* one sentence: decided above */
		sent = (struct ct_text_tokens){ .v = toks->v + a, .n = b - a };
		a = b;
		ct_topics_rules(&sent, text, &sfd);
		ct_topics_decide_one(&sent, &sfd, v);
		if (v->strong)
			return;
		if (v->topic >= 0 && weak.topic < 0)
			weak = *v;
	}
	*v = weak;
}

size_t ct_topics_count(void)
{
	return CT_TOPICS_N;
}

const char *ct_topics_name(size_t topic)
{
	return topic < CT_TOPICS_N ? ct_topics_table[topic].id : NULL;
}

const char *ct_topics_display(size_t topic)
{
	return topic < CT_TOPICS_N ? ct_topics_display_names[topic] : NULL;
}

int ct_topics_find(const char *name)
{
	size_t t;

	for (t = 0; name && t < CT_TOPICS_N; t++)
		if (strcmp(ct_topics_table[t].id, name) == 0)
			return (int)t;
	return -1;
}

uint64_t ct_topics_detect(const char *text, size_t len)
{
	struct ct_text_tokens toks = { 0 };
	struct ct_topics_found fd;
	uint64_t set = 0;

	if (ct_topics_scan(text, len, &toks, &fd) == 0)
		set = fd.set;
	ct_text_tokens_free(&toks);
	return set;
}

int ct_topics_classify(const char *text, size_t len, uint64_t *topics,
		       int *intent)
{
	struct ct_text_tokens toks = { 0 };
	struct ct_topics_verdict v = { .topic = -1 };
	struct ct_topics_found fd;
	int rc = -1;

	*topics = 0;
	*intent = -1;
	if (ct_topics_scan(text, len, &toks, &fd) == 0) {
		ct_topics_decide(&toks, text, &fd, &v);
		*topics = fd.set;
		*intent = v.topic;
		rc = 0;
	}
	ct_text_tokens_free(&toks);
	return rc;
}

int ct_topics_intent(const char *text, size_t len)
{
	uint64_t topics;
	int intent;

	return ct_topics_classify(text, len, &topics, &intent) == 0 ? intent :
								      -1;
}

int ct_topics_conversation_explain(const struct ct_turn *turns, size_t n,
				   uint64_t *topics, int *primary,
				   struct ct_topics_evidence *ev)
{
	struct ct_text_tokens toks = { 0 };
	struct ct_topics_found fd;
	struct ct_topics_evidence strong = { -1, true, 0.0 };
	struct ct_topics_evidence weak = { -1, false, 0.0 };
	int strong_topic = -1, weak_topic = -1;
	uint64_t all = 0;
	size_t i;

	*topics = 0;
	*primary = -1;
	if (ev)
		*ev = weak;
	for (i = 0; i < n; i++) {
		struct ct_topics_verdict v;

		if (turns[i].speaker != CT_SPEAKER_USER)
			continue;
		if (ct_topics_scan(turns[i].text, turns[i].len, &toks,
				   &fd) < 0) {
			ct_text_tokens_free(&toks);
			return -1;
		}
		all |= fd.set;
		if (strong_topic >= 0)
			continue; /* the model is needed until then */
		ct_topics_decide(&toks, turns[i].text, &fd, &v);
		if (v.topic < 0)
			continue;
		if (v.strong) {
			strong_topic = v.topic;
			strong.turn = (long)i;
			strong.p = v.p;
		} else if (weak_topic < 0 && v.p >= CT_TOPICS_PRIMARY_P) {
			weak_topic = v.topic;
			weak.turn = (long)i;
			weak.p = v.p;
		}
	}
	ct_text_tokens_free(&toks);
	*primary = strong_topic >= 0 ? strong_topic : weak_topic;
	if (*primary >= 0) {
		all |= UINT64_C(1) << *primary;
		if (ev)
			*ev = strong_topic >= 0 ? strong : weak;
	}
	*topics = all;
	return 0;
}

int ct_topics_conversation(const struct ct_turn *turns, size_t n,
			   uint64_t *topics, int *primary)
{
	return ct_topics_conversation_explain(turns, n, topics, primary, NULL);
}

int ct_topics_model_top(const char *text, size_t len, int *topic, double *p)
{
	struct ct_text_tokens toks = { 0 };
	double post[CT_TOPICS_MAX_CLASSES];
	size_t c, best = 0;
	int rc = -1;

	if (ct_topics_ready() && ct_text_tokenize(text, len, &toks) == 0) {
		ct_topics_model_posterior(&toks, post);
		for (c = 1; c < ct_topics_model_classes(); c++)
			if (post[c] > post[best])
				best = c;
		*topic = ct_topics_model_topic(best);
		*p = post[best];
		rc = 0;
	}
	ct_text_tokens_free(&toks);
	return rc;
}
