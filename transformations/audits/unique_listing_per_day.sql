-- The unique key of a staging model over raw.listings, leaving out rows without a listing_id:
-- those break a row rule (intermediate.int_listings_rejected) and several may share a day.
-- args: columns, the key, e.g. [listing_id, snapshot_date].
select
    {{ columns | join(', ') }},
    count(*) as duplicate_rows
from {{ this }}
where nullif(trim(listing_id), '') is not null
group by
    {{ columns | join(', ') }}
having count(*) > 1
