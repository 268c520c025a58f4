# Reference values for tests/test_item_agreement.py: item-level ICC(1)/ICC(2) (psych::statsBy) and
# rwg (multilevel::rwg, uniform null for 7 options: ranvar = 4) of the MCA-26 mentee pre-wave
# sample responses (tests/reference/psych/mca26_mentee_pre.csv). rwg per mentor is computed on
# the mentor's non-missing ratings of the item; the median is over mentors with at least 3
# ratings of the item and at least 3 responses. Run from this folder: Rscript make_agreement.R
suppressPackageStartupMessages({library(psych); library(multilevel); library(jsonlite)})
d <- read.csv("../psych/mca26_mentee_pre.csv")
items <- sprintf("mca%02d", 1:26)
sb <- statsBy(d[c("mentor_id", items)], group = "mentor_id")
size <- table(d$mentor_id)
out <- list(icc1 = as.list(sb$ICC1[items]), icc2 = as.list(sb$ICC2[items]), rwg_median = list(), rwg_mentors = list())
for (it in items) {
  ok <- !is.na(d[[it]])
  r <- rwg(d[[it]][ok], d$mentor_id[ok], ranvar = 4)
  r <- r[r$gsize >= 3 & size[as.character(r$grpid)] >= 3, ]
  out$rwg_median[[it]] <- median(r$rwg)
  out$rwg_mentors[[it]] <- nrow(r)
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "agreement.json")
