-- Chinese and Japanese inside a run of characters (lib/store/postgres-search.ts): a
-- message's search vector now also holds the trigrams of its Chinese and Japanese
-- words. The messages holding such characters (the ranges of search-text.ts's
-- TRIGRAM_CHARACTERS) are left unindexed here, and the store's start-up indexes them
-- again, a batch at a time, as it indexes any unindexed row; meanwhile searches read
-- them and check each one, so nothing is missed.
UPDATE messages SET search = NULL WHERE content ~ '[々-〇ぁ-ヿ㐀-䶿一-鿿豈-﫿ｦ-ﾟ𠀀-𲎯]';
