/** A user's module that embeds pfncache. */
module com.example.embed {
    requires org.pfncache;
}
