-- expand: a nullable column. The previous version's workers claim and record without a token,
-- as they always did; only the new version's records check it.
ALTER TABLE "deliveries" ADD COLUMN "claim_token" text;