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
 * - Model: a naive Bayes classifier trained on BANKING77 and CLINC150
 *   (data/runtime/topics_model.txt, by tools/train_topics.py).  It decides
 *   which of the mentioned topics is the intent, and names one when no rule
 *   fires but it is confident (ct_topics_choose() has the details).
 *
 * docs/text-rules-topics.md gives the method and the figures measured on
 * held-out BANKING77 and CLINC150 data.
 *
 * Pattern language, one string per pattern:
 *   - words separated by one space must follow each other;
 *   - "a|b|c" is one position that any of the alternatives fills;
 *   - "pre*" is any token that begins with "pre" (3 bytes or more);
 *   - "<ussd>" is any USSD code ("*236#"), "<num>" any number;
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
#include "embedded.h"
#include "topics_int.h"

/* Score at which a topic counts as mentioned. */
#define CT_TOPICS_THRESHOLD 10

/* Priority of a topic whose mention decides the intent (fraud). */
#define CT_TOPICS_DECISIVE 2

struct ct_topics_phrase {
	int weight;
	const char *pattern;
};

struct ct_topics_def {
	const char *id;
	int priority; /* intent: a higher priority wins over a higher score;
		       * CT_TOPICS_DECISIVE: and the model cannot overrule it */
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
		  { 8, "what|when ~5 open|opens|opening|close|closes|"
		       "closing|shut|shuts" },
		  { 10, "you|bank|banks|branch|branches|office|offices|it|"
			"they ~2 open|opened|closed|close|closes|closing|"
			"shut|shuts" },
		  { 10, "open|opens|close|closes|closed|shut ~3 today|"
			"tomorrow|tonight|now|saturday|saturdays|sunday|"
			"sundays|weekend|weekends|holiday|holidays|public|"
			"monday|tuesday|wednesday|thursday|friday|christmas|"
			"easter|lunch|lunchtime|late|early" },
		  { 8, "open|opens|close|closes|shut ~2 at|until|till|from" },
		  { 6, "saturday|saturdays|sunday|sundays|weekend|weekends|"
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
		  { 10, "score|scores" },
		  { 8, "salary ~3 advance|based|backed" },
		  CT_END } },
	{ "bill_payment", 0, NULL,
	  (const struct ct_topics_phrase[]){
		  { 12, "bill|bills|billing|biller|billers" },
		  { 15, "pay|paying|payment|payments ~4 bill|bills|zesa|"
			"dstv|gotv|electricity|water|council|rates|school|"
			"insurance|utility|utilities|rent|subscription" },
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
		  { 10, "wrong|incorrect ~2 account|number|person|recipient" },
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
		  { 10, "where ~3 you|bank ~2 located|situated|based" },
		  { 6, "branch|branches" },
		  { 8, "branch|branches ~4 in|at|near|location|locations|"
		       "address|located|nearest" },
		  CT_END } },
};

#define CT_TOPICS_N (sizeof(ct_topics_table) / sizeof(ct_topics_table[0]))

_Static_assert(CT_TOPICS_N <= CT_TOPICS_MAX, "at most 64 topics");

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

enum { CT_TOPICS_LEX_USSD = 0, CT_TOPICS_LEX_NUM = 1, CT_TOPICS_LEX_FIRST };

struct ct_topics_lex {
	const char *s;
	uint32_t hash;
	uint16_t len;
	bool prefix;
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

/* FNV-1a, continued from h over n bytes. */
static uint32_t ct_topics_fnv(uint32_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

#define CT_TOPICS_FNV0 2166136261u
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
				if (id < 0 ||
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

/* True when token tok fills lexeme id. */
static bool ct_topics_fills(const struct ct_text_token *tok, uint16_t id)
{
	const struct ct_topics_lex *lx = &ct_topics_c.lex[id];

	if (id == CT_TOPICS_LEX_USSD)
		return tok->s[0] == '*';
	if (id == CT_TOPICS_LEX_NUM)
		return tok->s[0] >= '0' && tok->s[0] <= '9';
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

/* Adds the patterns that lexeme id begins at token i to the scores. */
static void ct_topics_try(const struct ct_text_tokens *toks, const char *text,
			  size_t i, int id, uint64_t *seen, int *scores)
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
			scores[pt->topic] += pt->weight;
		}
	}
}

/*
 * Scores every topic for the tokens of text (toks already holds them).
 * Each token is looked up whole and by each of its prefixes that some
 * pattern uses, so the cost grows with the utterance, not with the table.
 */
static void ct_topics_score(const struct ct_text_tokens *toks, const char *text,
			    int scores[CT_TOPICS_MAX])
{
	uint64_t seen[CT_TOPICS_MAX_PATTERNS / 64] = { 0 };
	size_t i, l;

	memset(scores, 0, CT_TOPICS_MAX * sizeof(*scores));
	for (i = 0; i < toks->n; i++) {
		const char *s = toks->v[i].s;
		size_t n = strlen(s);
		uint32_t h = CT_TOPICS_FNV0;
		int id;

		if (s[0] == '*')
			ct_topics_try(toks, text, i, CT_TOPICS_LEX_USSD, seen,
				      scores);
		else if (s[0] >= '0' && s[0] <= '9')
			ct_topics_try(toks, text, i, CT_TOPICS_LEX_NUM, seen,
				      scores);
		for (l = 1; l <= n && l <= ct_topics_c.prefix_max; l++) {
			h = ct_topics_fnv(h, s + l - 1, 1);
			if (l < ct_topics_c.prefix_min)
				continue;
			id = ct_topics_lookup(s, l, true,
					      h ^ CT_TOPICS_PREFIX_MIX);
			if (id >= 0)
				ct_topics_try(toks, text, i, id, seen, scores);
		}
		if (n > ct_topics_c.prefix_max)
			h = ct_topics_fnv(h, s + l - 1, n - (l - 1));
		id = ct_topics_lookup(s, n, false, h);
		if (id >= 0)
			ct_topics_try(toks, text, i, id, seen, scores);
	}
}

/*
 * The intent model (data/runtime/topics_model.txt, written by
 * tools/train_topics.py from BANKING77 and CLINC150): multinomial naive
 * Bayes over the distinct unigrams and bigrams ("a_b") of an utterance's
 * tokens, with one class per topic that has labelled data plus "none".
 * The rules decide which topics an utterance mentions; the model decides
 * which of them is the intent, and names one when the rules find none but
 * it is confident.  Loaded once with the rules; read-only afterwards.
 */
#define CT_TOPICS_MODEL "topics_model.txt"
#define CT_TOPICS_MODEL_FORMAT "convtrack-topics-nb 1"
/* Posterior the model needs to name an intent that no rule found. */
#define CT_TOPICS_MODEL_MIN_P 0.9
/* Rule score, below the best mentioned topic's, that the model may prefer. */
#define CT_TOPICS_MODEL_MARGIN 10
#define CT_TOPICS_MAX_CLASSES (CT_TOPICS_MAX + 1)

struct ct_topics_feat {
	const char *s; /* into the embedded model text, not NUL-terminated */
	uint32_t len;
	uint32_t hash;
	uint32_t first; /* into ct_topics_m.ent */
	uint32_t n;
};

struct ct_topics_ent {
	float delta; /* log(1 + count / alpha) */
	uint32_t cls;
};

static struct {
	size_t ncls;
	int topic[CT_TOPICS_MAX_CLASSES]; /* class -> topic, -1 for none */
	int cls_of[CT_TOPICS_MAX];        /* topic -> class, -1 if unknown */
	double logprior[CT_TOPICS_MAX_CLASSES];
	double base[CT_TOPICS_MAX_CLASSES]; /* log P(feature | class), none */
	struct ct_topics_feat *feat;
	size_t nfeat;
	uint32_t *slot; /* feature index + 1, 0 = empty; nslot a power of 2 */
	size_t nslot;
	struct ct_topics_ent *ent;
	size_t nent;
} ct_topics_m;

/* Next line of [*p, end) into [*line, *eol); false at the end. */
static bool ct_topics_line(const char **p, const char *end, const char **line,
			   const char **eol)
{
	if (*p >= end)
		return false;
	*line = *p;
	*eol = memchr(*p, '\n', (size_t)(end - *p));
	if (!*eol)
		*eol = end;
	*p = *eol < end ? *eol + 1 : end;
	return true;
}

/* True when line [s, eol) begins with the word w followed by a space. */
static bool ct_topics_keyword(const char *s, const char *eol, const char *w)
{
	size_t n = strlen(w);

	return (size_t)(eol - s) > n && memcmp(s, w, n) == 0 && s[n] == ' ';
}

/* Index of feature (s, n) in the model, or -1. */
static long ct_topics_feature(const char *s, size_t n)
{
	uint32_t h = ct_topics_fnv(CT_TOPICS_FNV0, s, n);
	size_t k = h & (ct_topics_m.nslot - 1);

	while (ct_topics_m.slot[k]) {
		const struct ct_topics_feat *f =
			&ct_topics_m.feat[ct_topics_m.slot[k] - 1];

		if (f->hash == h && f->len == n && memcmp(f->s, s, n) == 0)
			return (long)ct_topics_m.slot[k] - 1;
		k = (k + 1) & (ct_topics_m.nslot - 1);
	}
	return -1;
}

/* Parses the header line "classes C0 C1 ..." (C0 is none). */
static int ct_topics_model_classes(const char *s, const char *eol)
{
	size_t t;

	for (t = 0; t < CT_TOPICS_N; t++)
		ct_topics_m.cls_of[t] = -1;
	s += strlen("classes ");
	while (s < eol) {
		char name[CT_TEXT_TOKEN_MAX + 1];
		size_t n = strcspn(s, " \n");
		int topic;

		if (n == 0 || n > CT_TEXT_TOKEN_MAX ||
		    ct_topics_m.ncls == CT_TOPICS_MAX_CLASSES)
			return -1;
		memcpy(name, s, n);
		name[n] = '\0';
		topic = ct_topics_m.ncls ? ct_topics_find(name) : -1;
		if (ct_topics_m.ncls == 0 ? strcmp(name, "none") != 0 :
		    topic < 0 || ct_topics_m.cls_of[topic] >= 0)
			return -1;
		ct_topics_m.topic[ct_topics_m.ncls] = topic;
		if (topic >= 0)
			ct_topics_m.cls_of[topic] = (int)ct_topics_m.ncls;
		ct_topics_m.ncls++;
		s += n;
		s += strspn(s, " ");
	}
	return ct_topics_m.ncls > 1 ? 0 : -1;
}

/* Parses "f FEATURE K:COUNT ..." into feature i and its entries. */
static int ct_topics_model_feature(const char *s, const char *eol, size_t i,
				   double alpha, double *total)
{
	struct ct_topics_feat *f = &ct_topics_m.feat[i];
	size_t k;

	s += 2;
	f->s = s;
	f->len = (uint32_t)strcspn(s, " \n");
	if (f->len == 0 || s + f->len >= eol)
		return -1;
	f->hash = ct_topics_fnv(CT_TOPICS_FNV0, s, f->len);
	f->first = (uint32_t)ct_topics_m.nent;
	s += f->len;
	while (s < eol && *s == ' ') {
		char *q;
		unsigned long c = strtoul(s + 1, &q, 10), n;

		if (*q != ':' || c >= ct_topics_m.ncls)
			return -1;
		n = strtoul(q + 1, &q, 10);
		if (n == 0 || q > eol)
			return -1;
		ct_topics_m.ent[ct_topics_m.nent].cls = (uint32_t)c;
		ct_topics_m.ent[ct_topics_m.nent].delta =
			(float)log1p((double)n / alpha);
		ct_topics_m.nent++;
		total[c] += (double)n;
		s = q;
	}
	f->n = (uint32_t)(ct_topics_m.nent - f->first);
	if (s != eol || f->n == 0 || ct_topics_feature(f->s, f->len) >= 0)
		return -1;
	k = f->hash & (ct_topics_m.nslot - 1);
	while (ct_topics_m.slot[k])
		k = (k + 1) & (ct_topics_m.nslot - 1);
	ct_topics_m.slot[k] = (uint32_t)i + 1;
	return 0;
}

/* What parsing the model has gathered so far. */
struct ct_topics_parse {
	double alpha;
	size_t ndocs;
	size_t nfeat; /* feature lines parsed */
	size_t cap;   /* feature lines in the file */
	double total[CT_TOPICS_MAX_CLASSES];
};

/*
 * Counts the feature lines and entries of the model text [text, end) and
 * allocates the arrays for them.  Returns 0, or -1 when out of memory.
 */
static int ct_topics_model_alloc(const char *text, const char *end,
				 size_t *nfeat)
{
	const char *p, *s, *eol;
	size_t nent = 0;

	*nfeat = 0;
	for (p = text; ct_topics_line(&p, end, &s, &eol);) {
		if (!ct_topics_keyword(s, eol, "f"))
			continue;
		(*nfeat)++;
		for (; s < eol; s++)
			nent += *s == ':';
	}
	ct_topics_m.nslot = 1;
	while (ct_topics_m.nslot < 2 * *nfeat + 2)
		ct_topics_m.nslot *= 2;
	ct_topics_m.feat = calloc(*nfeat + 1, sizeof(*ct_topics_m.feat));
	ct_topics_m.ent = calloc(nent + 1, sizeof(*ct_topics_m.ent));
	ct_topics_m.slot = calloc(ct_topics_m.nslot, sizeof(*ct_topics_m.slot));
	return ct_topics_m.feat && ct_topics_m.ent && ct_topics_m.slot ? 0 : -1;
}

/* Parses "docs N0 N1 ..." (training texts per class) into the priors. */
static int ct_topics_model_docs(const char *s, struct ct_topics_parse *ps)
{
	size_t c;

	s += strlen("docs ");
	for (c = 0; c < ct_topics_m.ncls; c++) {
		char *e;
		unsigned long n = strtoul(s, &e, 10);

		if (n == 0)
			return -1;
		s = e;
		ct_topics_m.logprior[c] = (double)n;
		ps->ndocs += n;
	}
	return ps->ndocs ? 0 : -1;
}

/* Parses one line that follows the format line. */
static int ct_topics_model_line(const char *s, const char *eol,
				struct ct_topics_parse *ps)
{
	if (ct_topics_keyword(s, eol, "alpha")) {
		ps->alpha = strtod(s + strlen("alpha "), NULL);
		return ps->alpha > 0 ? 0 : -1;
	}
	if (ct_topics_keyword(s, eol, "classes"))
		return ct_topics_m.ncls ? -1 : ct_topics_model_classes(s, eol);
	if (ct_topics_keyword(s, eol, "docs"))
		return ps->ndocs ? -1 : ct_topics_model_docs(s, ps);
	if (ct_topics_keyword(s, eol, "f") && ps->alpha > 0 && ps->ndocs &&
	    ps->nfeat < ps->cap)
		return ct_topics_model_feature(s, eol, ps->nfeat++, ps->alpha,
					       ps->total);
	return -1;
}

/*
 * Loads the model from the embedded data.  Returns 0, or -1 when it is
 * missing or malformed or memory runs out.  Its arrays live as long as the
 * process.
 */
static int ct_topics_model_load(void)
{
	struct ct_topics_parse ps = { 0 };
	size_t len, c;
	const char *text = ct_embedded_get(CT_TOPICS_MODEL, &len), *p, *s, *eol;
	bool header = false;

	if (!text || ct_topics_model_alloc(text, text + len, &ps.cap) < 0)
		return -1;
	for (p = text; ct_topics_line(&p, text + len, &s, &eol);) {
		if (header) {
			if (ct_topics_model_line(s, eol, &ps) < 0)
				return -1;
		} else if (*s != '#' && s != eol) {
			size_t n = (size_t)(eol - s);

			if (n != strlen(CT_TOPICS_MODEL_FORMAT) ||
			    memcmp(s, CT_TOPICS_MODEL_FORMAT, n) != 0)
				return -1;
			header = true;
		}
	}
	if (ps.nfeat == 0 || ps.nfeat != ps.cap)
		return -1;
	ct_topics_m.nfeat = ps.nfeat;
	for (c = 0; c < ct_topics_m.ncls; c++) {
		ct_topics_m.logprior[c] =
			log(ct_topics_m.logprior[c] / (double)ps.ndocs);
		ct_topics_m.base[c] = log(ps.alpha / (ps.total[c] + ps.alpha *
						      (double)ps.nfeat));
	}
	return 0;
}

static int ct_topics_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * Writes the model's posterior of each class for the tokens of toks to
 * post.  Returns 0, or -1 when out of memory.
 */
static int ct_topics_model_posterior(const struct ct_text_tokens *toks,
				     double post[CT_TOPICS_MAX_CLASSES])
{
	char pair[2 * CT_TEXT_TOKEN_MAX + 2];
	uint32_t *ids = malloc((2 * toks->n + 1) * sizeof(*ids));
	size_t n = 0, i, k, c, ncls = ct_topics_m.ncls, distinct = 0;
	double max, z = 0;
	long id;

	if (!ids)
		return -1;
	for (i = 0; i < toks->n; i++) {
		size_t a = strlen(toks->v[i].s);

		if ((id = ct_topics_feature(toks->v[i].s, a)) >= 0)
			ids[n++] = (uint32_t)id;
		if (i + 1 == toks->n)
			break;
		memcpy(pair, toks->v[i].s, a);
		pair[a] = '_';
		strcpy(pair + a + 1, toks->v[i + 1].s);
		if ((id = ct_topics_feature(pair, a + 1 +
					    strlen(toks->v[i + 1].s))) >= 0)
			ids[n++] = (uint32_t)id;
	}
	qsort(ids, n, sizeof(*ids), ct_topics_cmp_u32);
	for (c = 0; c < ncls; c++)
		post[c] = 0;
	for (i = 0; i < n; i++) {
		const struct ct_topics_feat *f;

		if (i > 0 && ids[i] == ids[i - 1])
			continue;
		f = &ct_topics_m.feat[ids[i]];
		distinct++;
		for (k = 0; k < f->n; k++)
			post[ct_topics_m.ent[f->first + k].cls] +=
				ct_topics_m.ent[f->first + k].delta;
	}
	free(ids);
	for (c = 0; c < ncls; c++)
		post[c] += ct_topics_m.logprior[c] +
			   (double)distinct * ct_topics_m.base[c];
	max = post[0];
	for (c = 1; c < ncls; c++)
		if (post[c] > max)
			max = post[c];
	for (c = 0; c < ncls; c++)
		z += (post[c] = exp(post[c] - max));
	for (c = 0; c < ncls; c++)
		post[c] /= z;
	return 0;
}

/* Compiles the rules and loads the model, once per process. */
static void ct_topics_init(void)
{
	ct_topics_c.ok = ct_topics_compile() == 0 &&
			 ct_topics_model_load() == 0;
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

/*
 * The intent, given the topics mentioned (set), their rule scores and the
 * model's posteriors.  With no topic mentioned, the model's topic when its
 * posterior reaches CT_TOPICS_MODEL_MIN_P.  Otherwise the rules' best topic
 * when the model has no class for it (topics the data sets lack, such as
 * cardless_withdrawal) or a decisive one (fraud); else, of the mentioned
 * topics whose rule score is within CT_TOPICS_MODEL_MARGIN of the best
 * one's, the most probable under the model (ties keep the rules' choice).
 */
static int ct_topics_choose(uint64_t set, const int scores[CT_TOPICS_MAX],
			    const double post[CT_TOPICS_MAX_CLASSES])
{
	const int *cls = ct_topics_m.cls_of;
	int rules = ct_topics_best(set, scores), best;
	bool decisive;
	size_t t;

	if (rules < 0) {
		for (t = 0; t < CT_TOPICS_N; t++)
			if (cls[t] >= 0 &&
			    post[cls[t]] >= CT_TOPICS_MODEL_MIN_P)
				return (int)t;
		return -1;
	}
	decisive = ct_topics_table[rules].priority >= CT_TOPICS_DECISIVE;
	if (cls[rules] < 0 || decisive)
		return rules;
	best = rules;
	for (t = 0; t < CT_TOPICS_N; t++)
		if ((set >> t & 1) && cls[t] >= 0 &&
		    scores[t] >= scores[rules] - CT_TOPICS_MODEL_MARGIN &&
		    post[cls[t]] > post[cls[best]])
			best = (int)t;
	return best;
}

/*
 * Tokenizes text into toks (reset first) and sets *set to the topics it
 * mentions and, when intent is not NULL, *intent.  Returns 0, or -1 when
 * the tables are broken or memory runs out.
 */
static int ct_topics_scan(const char *text, size_t len,
			  struct ct_text_tokens *toks, uint64_t *set,
			  int *intent)
{
	int scores[CT_TOPICS_MAX];
	double post[CT_TOPICS_MAX_CLASSES];

	ct_text_tokens_reset(toks);
	if (!ct_topics_ready() || ct_text_tokenize(text, len, toks) < 0)
		return -1;
	ct_topics_score(toks, text, scores);
	*set = ct_topics_set(scores);
	if (!intent)
		return 0;
	if (ct_topics_model_posterior(toks, post) < 0)
		return -1;
	*intent = ct_topics_choose(*set, scores, post);
	return 0;
}

size_t ct_topics_count(void)
{
	return CT_TOPICS_N;
}

const char *ct_topics_name(size_t topic)
{
	return topic < CT_TOPICS_N ? ct_topics_table[topic].id : NULL;
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
	uint64_t set = 0;

	if (ct_topics_scan(text, len, &toks, &set, NULL) < 0)
		set = 0;
	ct_text_tokens_free(&toks);
	return set;
}

int ct_topics_intent(const char *text, size_t len)
{
	struct ct_text_tokens toks = { 0 };
	uint64_t set;
	int intent = -1;

	if (ct_topics_scan(text, len, &toks, &set, &intent) < 0)
		intent = -1;
	ct_text_tokens_free(&toks);
	return intent;
}

int ct_topics_conversation(const struct ct_turn *turns, size_t n,
			   uint64_t *topics, int *primary)
{
	struct ct_text_tokens toks = { 0 };
	uint64_t all = 0, set;
	int first = -1;
	size_t i;

	*topics = 0;
	*primary = -1;
	for (i = 0; i < n; i++) {
		if (turns[i].speaker != CT_SPEAKER_USER)
			continue;
		if (ct_topics_scan(turns[i].text, turns[i].len, &toks, &set,
				   first < 0 ? &first : NULL) < 0) {
			ct_text_tokens_free(&toks);
			return -1;
		}
		all |= set;
	}
	ct_text_tokens_free(&toks);
	if (first >= 0)
		all |= UINT64_C(1) << first;
	*topics = all;
	*primary = first;
	return 0;
}

int ct_topics_model_top(const char *text, size_t len, int *topic, double *p)
{
	struct ct_text_tokens toks = { 0 };
	double post[CT_TOPICS_MAX_CLASSES];
	size_t c, best = 0;
	int rc = -1;

	if (ct_topics_ready() && ct_text_tokenize(text, len, &toks) == 0 &&
	    ct_topics_model_posterior(&toks, post) == 0) {
		for (c = 1; c < ct_topics_m.ncls; c++)
			if (post[c] > post[best])
				best = c;
		*topic = ct_topics_m.topic[best];
		*p = post[best];
		rc = 0;
	}
	ct_text_tokens_free(&toks);
	return rc;
}
